package dev.baton.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** What one demo phase counted. Thread-safe: workers record concurrently. */
final class TransferStats {

    final String backend;
    final AtomicInteger committed = new AtomicInteger();
    final AtomicInteger aborted = new AtomicInteger();
    final AtomicInteger failed = new AtomicInteger();
    final AtomicInteger lockTimeouts = new AtomicInteger();
    final AtomicInteger leasesLost = new AtomicInteger();
    final AtomicInteger gaveUp = new AtomicInteger();
    final AtomicLong acquisitions = new AtomicLong();
    final AtomicLong handoffs = new AtomicLong();
    final AtomicLong tokenChecks = new AtomicLong();
    final AtomicLong tokenRegressions = new AtomicLong();
    private final List<Long> commitMicros = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Long> lastToken = new ConcurrentHashMap<>();
    private final Map<String, Integer> lastHolder = new ConcurrentHashMap<>();

    TransferStats(String backend) {
        this.backend = backend;
    }

    int done() {
        return committed.get() + aborted.get() + failed.get() + lockTimeouts.get();
    }

    /** Records a grant: the token must be above every token seen before for that lock. */
    void granted(String lock, long token, int worker) {
        acquisitions.incrementAndGet();
        tokenChecks.incrementAndGet();
        lastToken.merge(lock, token, (previous, now) -> {
            if (now <= previous) {
                tokenRegressions.incrementAndGet();
                return previous;
            }
            return now;
        });
        Integer previousHolder = lastHolder.put(lock, worker);
        if (previousHolder != null && previousHolder != worker) {
            handoffs.incrementAndGet();
        }
    }

    void commitTook(long micros) {
        commitMicros.add(micros);
    }

    double commitPercentileMillis(double quantile) {
        List<Long> sorted;
        synchronized (commitMicros) {
            sorted = new ArrayList<>(commitMicros);
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        Collections.sort(sorted);
        int rank = (int) Math.ceil(quantile * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1))) / 1000.0;
    }
}
