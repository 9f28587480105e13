package dev.baton.bench;

/**
 * One line of the results table.
 *
 * @param group the comparison it belongs to
 * @param contestant what was measured
 * @param unit the unit of {@code median}, {@code p99} and the spread
 * @param median the median over runs
 * @param p99 the median over runs of each run's 99th percentile, or NaN where it does not apply
 * @param low the lowest run's value
 * @param high the highest run's value
 * @param ratio this row against its group's baseline (the median of the rounds' ratios), or NaN
 *     for the baseline itself
 * @param higherIsBetter whether a larger value is better (throughput) or worse (latency)
 */
record Row(String group, String contestant, String unit, double median, double p99, double low, double high,
           double ratio, boolean higherIsBetter) {

    /** The unit of a row that is itself a ratio of two contestants' figures. */
    static final String TIMES = "×";

    Row withRatio(double value) {
        return new Row(group, contestant, unit, median, p99, low, high, value, higherIsBetter);
    }
}
