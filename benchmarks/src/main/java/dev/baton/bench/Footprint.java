package dev.baton.bench;

import java.util.List;

/** Used heap (after garbage collection) and live threads at one moment. */
record Footprint(long heapBytes, int threads) {

    static Footprint now() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        Runtime runtime = Runtime.getRuntime();
        return new Footprint(runtime.totalMemory() - runtime.freeMemory(), Thread.activeCount());
    }

    /** Two rows: heap per waiter, and threads added, from {@code before} to this. */
    List<Row> minus(Footprint before, String group, String contestant, int waiters) {
        return List.of(
                new Row(group, contestant + ": heap per waiter", "bytes", (heapBytes - before.heapBytes) / (double) waiters,
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, false),
                new Row(group, contestant + ": threads added", "threads", threads - before.threads,
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, false));
    }
}
