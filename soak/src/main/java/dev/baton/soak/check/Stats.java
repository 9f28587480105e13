package dev.baton.soak.check;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Percentiles of a list of durations in µs, shown in ms. */
public final class Stats {

    private final List<Long> values = new ArrayList<>();

    public void add(long micros) {
        values.add(micros);
    }

    public int count() {
        return values.size();
    }

    /** The p-th percentile (nearest rank), in µs; -1 when empty. */
    public long percentile(double p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    public long max() {
        return values.isEmpty() ? -1 : Collections.max(values);
    }

    /** {@code p50 / p99 / max} in ms, or {@code –} when empty. */
    public String summary() {
        if (values.isEmpty()) {
            return "–";
        }
        return ms(percentile(50)) + " / " + ms(percentile(99)) + " / " + ms(max());
    }

    /** {@code p50 / max} in ms, or {@code –} when empty. */
    public String shortSummary() {
        if (values.isEmpty()) {
            return "–";
        }
        return ms(percentile(50)) + " / " + ms(max());
    }

    static String ms(long micros) {
        return micros < 10_000 ? String.format("%.1f", micros / 1000.0) : Long.toString(Math.round(micros / 1000.0));
    }
}
