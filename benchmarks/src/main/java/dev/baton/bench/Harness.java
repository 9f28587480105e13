package dev.baton.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs contestants side by side: every contestant is set up once, warmed up, then measured in
 * {@code runs} rounds whose order rotates, so that drift in the machine (a neighbour, the JIT, the
 * server's caches) falls on all contestants alike. Reports medians over the rounds and their spread.
 */
final class Harness {

    /** A timed operation, such as acquire + release. */
    interface Op {
        void run() throws Exception;

        /**
         * Runs once and returns the nanoseconds to count: all of {@link #run()} by default; an
         * operation that must set itself up each time (queue the next candidate, say) times only
         * its own part.
         */
        default long timedNanos() throws Exception {
            long start = System.nanoTime();
            run();
            return System.nanoTime() - start;
        }
    }

    /** The part of an operation that counts: it runs the whole operation and returns the nanoseconds to count. */
    interface TimedPart {
        long nanos() throws Exception;
    }

    /** An operation that sets itself up each time and times only {@code part}'s own span. */
    static Op timed(TimedPart part) {
        return new Op() {
            @Override
            public void run() throws Exception {
                part.nanos();
            }

            @Override
            public long timedNanos() throws Exception {
                return part.nanos();
            }
        };
    }

    /** A workload measured as operations per second over a fixed time. */
    interface Workload {
        /** Runs for about {@code duration} and returns completed operations. */
        long runFor(Duration duration) throws Exception;
    }

    /** Something set up once, measured many times, and closed. */
    interface Contestant<T> {
        String name();

        Opened<T> open() throws Exception;
    }

    /** An opened contestant: what to measure, and the clients to close afterwards. */
    record Opened<T>(T subject, AutoCloseable... resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            Exception first = null;
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    private final Settings settings;

    Harness(Settings settings) {
        this.settings = settings;
    }

    /**
     * A ratio to report besides those to the first row: {@code numerator}'s figure over
     * {@code denominator}'s, both named as their contestants are.
     */
    record Versus(String numerator, String denominator) {
    }

    /** Latency per operation, in microseconds; the first contestant is the baseline (the floor). */
    List<Row> latency(String group, List<Contestant<Op>> contestants) throws Exception {
        return latency(group, contestants, List.of());
    }

    /** As {@link #latency(String, List)}, with a row for each of {@code versus} after the contestants' rows. */
    List<Row> latency(String group, List<Contestant<Op>> contestants, List<Versus> versus) throws Exception {
        if (!settings.includes(group)) {
            return List.of();
        }
        List<Opened<Op>> opened = openAll(contestants);
        List<Op> ops = subjects(opened);
        try {
            for (Op op : ops) {
                time(op, settings.warmup(), Integer.MAX_VALUE);
            }
            double[][] medians = new double[ops.size()][settings.runs()];
            double[][] p99s = new double[ops.size()][settings.runs()];
            for (int run = 0; run < settings.runs(); run++) {
                for (int k = 0; k < ops.size(); k++) {
                    int i = (k + run) % ops.size();
                    double[] micros = time(ops.get(i), settings.measure(), settings.maxOps());
                    medians[i][run] = Stats.median(micros);
                    p99s[i][run] = Stats.percentile(micros, 0.99);
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < ops.size(); i++) {
                rows.add(new Row(group, contestants.get(i).name(), "µs", Stats.median(medians[i]), Stats.median(p99s[i]),
                        Stats.min(medians[i]), Stats.max(medians[i]), Double.NaN, false));
            }
            return withVersus(withRatios(rows, medians), medians, versus);
        } finally {
            closeAll(opened);
        }
    }

    /** Operations per second; the first contestant is the baseline. */
    List<Row> throughput(String group, List<Contestant<Workload>> contestants) throws Exception {
        return throughput(group, contestants, List.of());
    }

    /** As {@link #throughput(String, List)}, with a row for each of {@code versus} after the contestants' rows. */
    List<Row> throughput(String group, List<Contestant<Workload>> contestants, List<Versus> versus) throws Exception {
        if (!settings.includes(group)) {
            return List.of();
        }
        List<Opened<Workload>> opened = openAll(contestants);
        List<Workload> workloads = subjects(opened);
        try {
            for (Workload workload : workloads) {
                workload.runFor(settings.warmup());
            }
            double[][] rates = new double[workloads.size()][settings.runs()];
            for (int run = 0; run < settings.runs(); run++) {
                for (int k = 0; k < workloads.size(); k++) {
                    int i = (k + run) % workloads.size();
                    long start = System.nanoTime();
                    long done = workloads.get(i).runFor(settings.measure());
                    rates[i][run] = done / ((System.nanoTime() - start) / 1e9);
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < workloads.size(); i++) {
                rows.add(new Row(group, contestants.get(i).name(), "ops/s", Stats.median(rates[i]), Double.NaN,
                        Stats.min(rates[i]), Stats.max(rates[i]), Double.NaN, true));
            }
            return withVersus(withRatios(rows, rates), rates, versus);
        } finally {
            closeAll(opened);
        }
    }

    /**
     * Each row's ratio to the first is the median over rounds of the ratio within a round: the
     * contestants of one round run within seconds of each other, so a slow spell of the machine
     * that spans a round weighs on both sides of its ratio, not on one median.
     */
    private static List<Row> withRatios(List<Row> rows, double[][] perRound) {
        List<Row> out = new ArrayList<>();
        out.add(rows.get(0));
        for (int i = 1; i < rows.size(); i++) {
            double[] ratios = new double[perRound[i].length];
            for (int run = 0; run < ratios.length; run++) {
                ratios[run] = perRound[i][run] / perRound[0][run];
            }
            out.add(rows.get(i).withRatio(Stats.median(ratios)));
        }
        return out;
    }

    /**
     * Adds a row per pair of contestants: the median over rounds of their within-round ratio, its
     * spread the lowest and highest round's ratio. Pairs naming a contestant not measured are skipped.
     */
    private static List<Row> withVersus(List<Row> rows, double[][] perRound, List<Versus> versus) {
        List<Row> out = new ArrayList<>(rows);
        List<String> names = rows.stream().map(Row::contestant).toList();
        for (Versus pair : versus) {
            int a = names.indexOf(pair.numerator());
            int b = names.indexOf(pair.denominator());
            if (a < 0 || b < 0) {
                continue;
            }
            double[] ratios = new double[perRound[a].length];
            for (int run = 0; run < ratios.length; run++) {
                ratios[run] = perRound[a][run] / perRound[b][run];
            }
            out.add(new Row(rows.get(0).group(), pair.numerator() + " ÷ " + pair.denominator() + " (within rounds)",
                    Row.TIMES, Stats.median(ratios), Double.NaN, Stats.min(ratios), Stats.max(ratios), Double.NaN,
                    rows.get(a).higherIsBetter()));
        }
        return out;
    }

    private static double[] time(Op op, Duration budget, int maxOps) throws Exception {
        double[] samples = new double[Math.min(maxOps, 1 << 16)];
        int count = 0;
        long deadline = System.nanoTime() + budget.toNanos();
        while (count < samples.length && (count < 10 || System.nanoTime() < deadline)) {
            samples[count++] = op.timedNanos() / 1_000.0;
        }
        return java.util.Arrays.copyOf(samples, count);
    }

    private static <T> List<Opened<T>> openAll(List<Contestant<T>> contestants) throws Exception {
        List<Opened<T>> opened = new ArrayList<>();
        try {
            for (Contestant<T> contestant : contestants) {
                opened.add(contestant.open());
            }
        } catch (Exception e) {
            closeAll(opened);
            throw e;
        }
        return opened;
    }

    private static <T> List<T> subjects(List<Opened<T>> opened) {
        List<T> subjects = new ArrayList<>();
        opened.forEach(o -> subjects.add(o.subject()));
        return subjects;
    }

    private static <T> void closeAll(List<Opened<T>> opened) throws Exception {
        for (Opened<T> o : opened) {
            o.close();
        }
    }

    /**
     * How long and how often to measure.
     *
     * @param runs rounds per contestant (at least 5 for a report)
     * @param warmup warm-up time per contestant, once
     * @param measure measuring time per contestant per round
     * @param maxOps cap on timed operations per round
     * @param only run only the groups whose name contains this text (empty: all)
     */
    record Settings(int runs, Duration warmup, Duration measure, int maxOps, String only) {

        static Settings full(String only) {
            return new Settings(5, Duration.ofSeconds(2), Duration.ofSeconds(2), 50_000, only);
        }

        static Settings quick(String only) {
            return new Settings(2, Duration.ofMillis(50), Duration.ofMillis(100), 200, only);
        }

        boolean includes(String group) {
            return group.toLowerCase(java.util.Locale.ROOT).contains(only.toLowerCase(java.util.Locale.ROOT));
        }
    }

    Settings settings() {
        return settings;
    }
}
