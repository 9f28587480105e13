package dev.baton.bench;

import java.util.Arrays;

/** Order statistics over samples. */
final class Stats {

    private Stats() {
    }

    static double median(double[] values) {
        return percentile(values, 0.5);
    }

    /** Nearest-rank percentile of {@code values} (copied, then sorted). */
    static double percentile(double[] values, double quantile) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double min(double[] values) {
        return Arrays.stream(values).min().orElse(Double.NaN);
    }

    static double max(double[] values) {
        return Arrays.stream(values).max().orElse(Double.NaN);
    }
}
