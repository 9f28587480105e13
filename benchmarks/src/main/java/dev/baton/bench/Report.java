package dev.baton.bench;

import java.util.List;
import java.util.Locale;

/** The results as a markdown table. */
final class Report {

    private Report() {
    }

    static String table(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        out.append("| group | contestant | median | p99 | spread (runs) | ratio to first row |\n");
        out.append("|---|---|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            out.append("| ").append(row.group())
                    .append(" | ").append(row.contestant())
                    .append(" | ").append(value(row, row.median())).append(' ').append(row.unit())
                    .append(" | ").append(Double.isNaN(row.p99()) ? "" : value(row, row.p99()) + " " + row.unit())
                    .append(" | ").append(spread(row))
                    .append(" | ").append(ratio(row.ratio()))
                    .append(" |\n");
        }
        return out.toString();
    }

    /** Two decimals; a ratio that would print as 0.00× is shown as below 0.01×, which is what it is. */
    static String ratio(double ratio) {
        if (Double.isNaN(ratio)) {
            return "";
        }
        return ratio > 0 && ratio < 0.005 ? "<0.01×" : String.format(Locale.ROOT, "%.2f×", ratio);
    }

    private static String spread(Row row) {
        if (Double.isNaN(row.low()) || row.low() == row.high()) {
            return "";
        }
        return value(row, row.low()) + "–" + value(row, row.high());
    }

    /** A ratio row's figures with two decimals, as the ratio column has; others as {@link #number}. */
    private static String value(Row row, double value) {
        return Row.TIMES.equals(row.unit()) && !Double.isNaN(value) ? String.format(Locale.ROOT, "%.2f", value) : number(value);
    }

    static String number(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        if (Math.abs(value) >= 100) {
            return String.format(Locale.ROOT, "%,.0f", value);
        }
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
