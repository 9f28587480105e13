package dev.baton.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the threads of this JVM are while a workload runs: every {@code interval} it takes every
 * thread's state and stack, and counts the running threads and those waiting in Baton's code by (thread pool, state, top frame, innermost frame
 * of Baton's or the benchmark's code). A poor man's profiler for the report, so that a claim such
 * as "the callers wait in commit()" comes with counts. The JVM also runs the ZooKeeper and none of
 * the PostgreSQL servers, so their threads show too.
 *
 * <p>Sampling costs a few milliseconds per sample; use it on a window that is not measured.
 */
final class ThreadSampler implements AutoCloseable {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    private final Map<String, Integer> counts = new HashMap<>();
    private final Thread sampler;
    private final long intervalNanos;
    private volatile boolean stopped;
    private int samples;

    private ThreadSampler(Duration interval) {
        this.intervalNanos = interval.toNanos();
        this.sampler = new Thread(this::loop, "bench-thread-sampler");
        sampler.setDaemon(true);
    }

    /** Starts sampling every {@code interval}, until {@link #close()}. */
    static ThreadSampler start(Duration interval) {
        ThreadSampler sampler = new ThreadSampler(interval);
        sampler.sampler.start();
        return sampler;
    }

    private void loop() {
        while (!stopped) {
            sample();
            try {
                TimeUnit.NANOSECONDS.sleep(intervalNanos);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample() {
        ThreadInfo[] all = threads.dumpAllThreads(false, false, 24);
        synchronized (counts) {
            samples++;
            for (ThreadInfo info : all) {
                if (info == null || info.getThreadName().equals(sampler.getName())) {
                    continue;
                }
                if (busy(info)) {
                    counts.merge(key(info), 1, Integer::sum);
                }
            }
        }
    }

    /**
     * Whether the thread is worth counting: running, or waiting somewhere in Baton's or the
     * benchmark's code. Idle pool threads (of the contestants opened but not running now, too) and
     * the servers' idle threads are left out.
     */
    private static boolean busy(ThreadInfo info) {
        if (info.getThreadState() == Thread.State.RUNNABLE) {
            return true;
        }
        for (StackTraceElement element : info.getStackTrace()) {
            if (element.getClassName().startsWith("dev.baton.")) {
                return true;
            }
        }
        return false;
    }

    /** Pool name (digits as #), state, the top frame, and the three innermost frames of dev.baton code (one per class in a row). */
    private static String key(ThreadInfo info) {
        StackTraceElement[] stack = info.getStackTrace();
        String top = stack.length == 0 ? "(no frames)" : frame(stack[0]);
        StringBuilder ours = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < stack.length && shown < 3; i++) {
            if (stack[i].getClassName().startsWith("dev.baton.")
                    && (i == 0 || !stack[i].getClassName().equals(stack[i - 1].getClassName()))) {
                ours.append(" ← ").append(frame(stack[i]));
                shown++;
            }
        }
        return info.getThreadName().replaceAll("[0-9]+", "#") + " | " + info.getThreadState() + " | " + top + ours;
    }

    private static String frame(StackTraceElement element) {
        String name = element.getClassName();
        return name.substring(name.lastIndexOf('.') + 1) + "." + element.getMethodName();
    }

    /** The {@code top} most frequent keys, each as the average number of threads found there. */
    String summary(int top) {
        synchronized (counts) {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "%d samples; threads on average, running or in Baton code (pool | state | top frame ← Baton frames):%n",
                    samples));
            counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder()))
                    .limit(top).forEach(entry -> out.append(String.format(Locale.ROOT, "  %5.1f  %s%n",
                            entry.getValue() / (double) Math.max(1, samples), entry.getKey())));
            return out.toString();
        }
    }

    /** Stops sampling. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        sampler.interrupt();
        sampler.join();
    }
}
