package dev.baton.lock.redis;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.function.LongFunction;

/**
 * Where a client's waiting requests for one lock take turns, so that only the first of them talks
 * to Redis. A thousand local waiters then cost one subscription, one attempt per release and no
 * connection or thread each, instead of a thousand attempts at every release. Within a client,
 * waiters are served in the order they asked; between clients, whoever retries first wins.
 *
 * <p>A request granted the lock keeps its turn until its lease is over (released, lost): before
 * that the next one could only find the lock held. The next one then tries at once, without
 * waiting for the release to be announced.
 *
 * <p>Single attempts ({@code tryAcquire(ZERO)}) do not queue: they make their one attempt at once.
 *
 * <p>Thread-safe: the queues are guarded by this object's monitor.
 */
final class LocalQueue {

    private final ClientRuntime runtime;
    private final Map<String, Line> lines = new HashMap<>();

    LocalQueue(ClientRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * Queues a waiting request in the line {@code name} (a lock's name and kind).
     *
     * @param exclusive whether a granted request keeps the turn until its lease ends; a shared
     *     kind's (readers, permits) passes it on at once, since the next one may be granted too
     * @param waitNanos {@link AbstractRedisLock#FOREVER} or a positive wait
     * @param starter starts the backend's request with the wait still left, when this one's turn comes
     * @return a future as {@link AbstractRedisLock#startRequest} describes
     */
    CompletableFuture<RedisLease> enqueue(String name, boolean exclusive, long waitNanos,
            LongFunction<CompletableFuture<RedisLease>> starter) {
        Entry entry = new Entry(name, waitNanos, starter);
        runtime.track(entry.outer);
        Entry first;
        synchronized (this) {
            Line line = lines.computeIfAbsent(name, n -> new Line());
            line.waiting.add(entry);
            first = line.active == null ? line.next() : null;
        }
        entry.outer.whenComplete((lease, error) -> {
            cancel(entry.timeout);
            if (lease != null && exclusive) {
                lease.ended().whenComplete((ended, e) -> onDone(entry));
            } else {
                onDone(entry);
            }
        });
        if (first != entry && waitNanos > 0) {
            // A request started at once keeps its own deadline; one that queues needs this one.
            entry.timeout = runtime.schedule(() -> entry.outer.complete(null), waitNanos);
            if (entry.outer.isDone()) {
                cancel(entry.timeout);
            }
        }
        if (first != null) {
            start(first);
        }
        return entry.outer;
    }

    private static void cancel(ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }

    private void onDone(Entry entry) {
        Entry next = null;
        synchronized (this) {
            Line line = lines.get(entry.name);
            if (line != null) {
                line.waiting.remove(entry);
                if (line.active == entry) {
                    line.active = null;
                    next = line.next();
                }
                if (line.active == null && line.waiting.isEmpty()) {
                    lines.remove(entry.name);
                }
            }
        }
        CompletableFuture<RedisLease> inner = entry.inner;
        if (inner != null && !inner.isDone()) {
            inner.cancel(false);
        }
        if (next != null) {
            start(next);
        }
    }

    private void start(Entry entry) {
        long wait = entry.waitNanos < 0 ? AbstractRedisLock.FOREVER
                : Math.max(1, entry.deadline - runtime.now());
        CompletableFuture<RedisLease> inner = entry.starter.apply(wait);
        entry.inner = inner;
        inner.whenComplete((lease, error) -> {
            if (error != null) {
                entry.outer.completeExceptionally(error);
            } else if (lease == null) {
                entry.outer.complete(null);
            } else if (!entry.outer.complete(lease)) {
                lease.releaseAsync();
            }
        });
        if (entry.outer.isDone()) {
            inner.cancel(false);
        }
    }

    /** The requests for one lock: the one talking to Redis, and those behind it. */
    private static final class Line {
        private final Deque<Entry> waiting = new ArrayDeque<>();
        private Entry active;

        /** Makes the first request still pending the active one; null if there is none. */
        Entry next() {
            while (!waiting.isEmpty()) {
                Entry candidate = waiting.peekFirst();
                if (!candidate.outer.isDone()) {
                    active = candidate;
                    return candidate;
                }
                waiting.pollFirst();
            }
            return null;
        }
    }

    private final class Entry {
        private final String name;
        private final long waitNanos;
        private final long deadline;
        private final LongFunction<CompletableFuture<RedisLease>> starter;
        private final CompletableFuture<RedisLease> outer = new CompletableFuture<>();
        private volatile CompletableFuture<RedisLease> inner;
        private volatile ScheduledFuture<?> timeout;

        Entry(String name, long waitNanos, LongFunction<CompletableFuture<RedisLease>> starter) {
            this.name = name;
            this.waitNanos = waitNanos;
            this.deadline = runtime.now() + Math.max(0, waitNanos);
            this.starter = starter;
        }
    }
}
