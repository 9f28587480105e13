package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What every lock, request and lease of one client shares: the timer thread and the lease deadlines
 * on it, the callback thread, the local queue, the registry of pending requests and held leases,
 * and the closed flag.
 *
 * <p>The timer thread only schedules and never blocks. The callback thread completes every future a
 * user sees, so that a user blocking in a dependent stage stalls neither Redis I/O nor the timers.
 *
 * <p>Thread-safe.
 */
final class ClientRuntime {

    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final String backend;
    private final RedisLockOptions options;
    private final Duration releaseWait;
    private final LongSupplier ticker = System::nanoTime;
    private final ScheduledThreadPoolExecutor timers;
    private final ThreadPoolExecutor callbacks;
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private final Set<RedisLease> held = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final LocalQueue queue = new LocalQueue(this);
    private final SharedTimer leaseTimer = new SharedTimer(this);
    private volatile boolean renewalsPaused;

    /**
     * @param releaseWait how long {@link dev.baton.lock.Lease#release()} waits for the server before
     *     it returns and lets the release finish in the background
     */
    ClientRuntime(String backend, RedisLockOptions options, Duration releaseWait) {
        this.backend = backend;
        this.options = options;
        this.releaseWait = releaseWait;
        int id = CLIENTS.incrementAndGet();
        timers = new ScheduledThreadPoolExecutor(1, daemon("baton-" + backend + "-timer-" + id));
        timers.setRemoveOnCancelPolicy(true);
        timers.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        callbacks = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                daemon("baton-" + backend + "-callback-" + id));
    }

    static ThreadFactory daemon(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    String backend() {
        return backend;
    }

    RedisLockOptions options() {
        return options;
    }

    long now() {
        return ticker.getAsLong();
    }

    Duration releaseWait() {
        return releaseWait;
    }

    /** The watchdog deadlines of this client's leases. */
    SharedTimer leaseTimer() {
        return leaseTimer;
    }

    /** Where this client's waiting requests take turns. */
    LocalQueue queue() {
        return queue;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** @throws IllegalStateException if the client is closed */
    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this " + backend + " lock client is closed");
        }
    }

    /** Runs {@code task} on the timer thread after {@code delayNanos}; null once the client is closed. */
    ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        try {
            return timers.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** Runs {@code task} on the callback thread; after close, on the calling thread. */
    void callback(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /** Registers a pending request so that closing the client fails it; fails it at once if closed. */
    void track(CompletableFuture<?> request) {
        pending.add(request);
        request.whenComplete((r, e) -> pending.remove(request));
        if (closed.get()) {
            request.completeExceptionally(closedException());
        }
    }

    /** Registers a held lease so that closing the client releases it; false if the client is closed. */
    boolean hold(RedisLease lease) {
        held.add(lease);
        if (closed.get()) {
            held.remove(lease);
            return false;
        }
        return true;
    }

    void unhold(RedisLease lease) {
        held.remove(lease);
    }

    /** Test hook: while paused, the watchdog sends no renewals, as if its process had stalled. */
    void pauseRenewals(boolean paused) {
        renewalsPaused = paused;
    }

    boolean renewalsPaused() {
        return renewalsPaused;
    }

    LockException closedException() {
        return new LockException("the " + backend + " lock client was closed");
    }

    /**
     * Marks the client closed, fails every pending request and takes every held lease from its
     * holder ({@link dev.baton.lock.LossReason#CLIENT_CLOSED}).
     *
     * @return the releases under way, or null if the client was already closed
     */
    List<CompletableFuture<Void>> beginClose() {
        if (!closed.compareAndSet(false, true)) {
            return null;
        }
        for (CompletableFuture<?> request : new ArrayList<>(pending)) {
            request.completeExceptionally(closedException());
        }
        List<CompletableFuture<Void>> releases = new ArrayList<>();
        for (RedisLease lease : new ArrayList<>(held)) {
            releases.add(lease.closeByClient());
        }
        return releases;
    }

    /** Stops the threads, letting queued callbacks run first (bounded). Call after {@link #beginClose()}. */
    void shutdown() {
        timers.shutdownNow();
        callbacks.shutdown();
        try {
            if (!callbacks.awaitTermination(releaseWait.toMillis(), TimeUnit.MILLISECONDS)) {
                callbacks.shutdownNow();
            }
        } catch (InterruptedException e) {
            callbacks.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
