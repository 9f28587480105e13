package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import dev.baton.lock.LockListener;
import dev.baton.lock.spi.lifecycle.AbstractService;
import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every lock, request and lease of one client shares: the timer thread and the lease deadlines
 * on it, the callback thread, the local queue, the registry of pending requests and held leases,
 * and the client's lifecycle ({@link AbstractService}: {@code RUNNING} once opened, then
 * {@code STOPPING} and {@code TERMINATED} on close).
 *
 * <p>The timer thread only schedules and never blocks. The callback thread completes every future a
 * user sees, so that a user blocking in a dependent stage stalls neither Redis I/O nor the timers.
 *
 * <p>Closing is the same for both Redis backends and happens here: fail pending requests, release
 * held leases (waiting at most the release wait), then stop the backend's {@link Parts}, the
 * threads, and last the connection.
 *
 * <p>Thread-safe.
 */
final class ClientRuntime extends AbstractService {

    /** What a backend adds to the client's start and stop, run by the runtime in order. */
    interface Parts {
        /** Nothing to add. */
        Parts NONE = new Parts() { };

        /** On start, after the runtime's threads exist: the backend's own threads. */
        default void start() {
        }

        /** On close, after the held leases were released: stops the backend's own threads. */
        default void stop() {
        }

        /** On close, last: closes the connection if the lock client opened it. */
        default void closeConnection() {
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ClientRuntime.class);
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final String backend;
    private final RedisLockOptions options;
    private final Duration releaseWait;
    private final LongSupplier ticker = System::nanoTime;
    private final ServiceExecutor timers;
    private final ServiceExecutor callbacks;
    private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private final Set<RedisLease> held = ConcurrentHashMap.newKeySet();
    private final LocalQueue queue = new LocalQueue(this);
    private final SharedTimer leaseTimer = new SharedTimer(this);
    private volatile Parts parts = Parts.NONE;
    private volatile boolean renewalsPaused;
    private volatile LockListener listener = LockListener.NONE;

    /**
     * @param releaseWait how long {@link dev.baton.lock.Lease#release()} waits for the server before
     *     it returns and lets the release finish in the background
     */
    ClientRuntime(String backend, RedisLockOptions options, Duration releaseWait) {
        super(backend + " lock client");
        this.backend = backend;
        this.options = options;
        this.releaseWait = releaseWait;
        int id = CLIENTS.incrementAndGet();
        timers = ServiceExecutor.scheduled("baton-" + backend + "-timer-" + id, 1);
        callbacks = ServiceExecutor.single("baton-" + backend + "-callback-" + id);
    }

    /** Starts the client with the backend's {@code parts}; it runs from now on. */
    void start(Parts backendParts) {
        this.parts = backendParts;
        start();
    }

    @Override
    protected void doStart() {
        parts.start();
    }

    /**
     * Fails every pending request and takes every held lease from its holder
     * ({@link dev.baton.lock.LossReason#CLIENT_CLOSED}), waits for the releases at most the release
     * wait, then stops the backend, the threads (letting queued callbacks run first, bounded) and
     * the connection.
     */
    @Override
    protected void doStop() {
        for (CompletableFuture<?> request : new ArrayList<>(pending)) {
            request.completeExceptionally(closedException());
        }
        List<CompletableFuture<Void>> releases = new ArrayList<>();
        for (RedisLease lease : new ArrayList<>(held)) {
            releases.add(lease.closeByClient());
        }
        try {
            CompletableFuture.allOf(releases.toArray(new CompletableFuture<?>[0]))
                    .get(releaseWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("some releases did not finish before close; the lease time will free them", e);
        }
        parts.stop();
        timers.shutdownNow();
        callbacks.shutdown(releaseWait);
        try {
            parts.closeConnection();
        } catch (RuntimeException e) {
            LOG.debug("closing the {} connection failed", backend, e);
        }
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

    /** Whether the client is closing or closed. */
    boolean isClosed() {
        return isShutDown();
    }

    /** @throws IllegalStateException if the client is closed */
    void checkOpen() {
        checkRunning();
    }

    /** Runs {@code task} on the timer thread after {@code delayNanos}; null once the client is closed. */
    @Nullable ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
        return timers.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} on the callback thread; after close, on the calling thread. */
    void callback(Runnable task) {
        callbacks.executeOrRun(task);
    }

    /** Registers a pending request so that closing the client fails it; fails it at once if closed. */
    void track(CompletableFuture<?> request) {
        pending.add(request);
        request.whenComplete((r, e) -> pending.remove(request));
        if (isShutDown()) {
            request.completeExceptionally(closedException());
        }
    }

    /** Registers a held lease so that closing the client releases it; false if the client is closed. */
    boolean hold(RedisLease lease) {
        held.add(lease);
        if (isShutDown()) {
            held.remove(lease);
            return false;
        }
        return true;
    }

    void unhold(RedisLease lease) {
        held.remove(lease);
    }

    /** Where renewals are reported ({@link LockListener#NONE} unless the client was opened with one). */
    LockListener listener() {
        return listener;
    }

    void listener(LockListener value) {
        listener = value;
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
}
