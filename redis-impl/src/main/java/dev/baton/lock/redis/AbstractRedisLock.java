package dev.baton.lock.redis;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * The blocking and asynchronous faces of a lock, both built on one asynchronous request that each
 * backend implements.
 *
 * <p>Thread-safe: every call is an independent request.
 */
abstract class AbstractRedisLock implements DistributedLock {

    /** {@link #startRequest}'s wait for "until acquired". */
    static final long FOREVER = -1;

    /** Waits longer than this (about 73 years) are treated as {@link #FOREVER}. */
    private static final long EFFECTIVELY_FOREVER = Long.MAX_VALUE / 4;

    final ClientRuntime runtime;
    private final String name;
    private final String line;
    private final boolean exclusive;

    /**
     * @param line this lock's line in the client's {@link LocalQueue}: one per name and kind
     * @param exclusive whether a granted request keeps its turn until its lease ends (true for
     *     exclusive kinds); shared kinds (readers, permits) pass the turn on as soon as granted
     */
    AbstractRedisLock(ClientRuntime runtime, String name, String line, boolean exclusive) {
        this.runtime = runtime;
        this.name = name;
        this.line = line;
        this.exclusive = exclusive;
    }

    /**
     * Starts a request for the lock with the backend, now.
     *
     * @param waitNanos {@link #FOREVER}, 0 for a single attempt, or how long to wait
     * @param attempts where the request's blocking work runs: the caller's {@link CallerRuns} for a
     *     blocking call, {@link #asyncAttempts()} otherwise
     * @return a future completed, on any thread, with the started lease, with null if the wait ran
     *     out, or exceptionally with a {@link LockException}. Cancelling it withdraws the request;
     *     a grant that races with the cancel is released by the implementation.
     */
    abstract CompletableFuture<RedisLease> startRequest(long waitNanos, Executor attempts);

    /** Where the blocking work of requests that no caller waits for runs. */
    abstract Executor asyncAttempts();

    /**
     * Requests the lock: a single attempt goes to the backend at once, a waiting request takes its
     * turn in the client's {@link LocalQueue}. The future is as for {@link #startRequest}.
     */
    private CompletableFuture<RedisLease> request(long waitNanos, Executor attempts) {
        if (waitNanos == 0) {
            return startRequest(0, attempts);
        }
        return runtime.queue().enqueue(line, exclusive, waitNanos, wait -> startRequest(wait, attempts));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Lease acquire() throws InterruptedException {
        return await(FOREVER);
    }

    @Override
    public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
        Objects.requireNonNull(maxWait, "maxWait must not be null");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
        }
        long nanos;
        try {
            nanos = maxWait.toNanos();
        } catch (ArithmeticException e) {
            nanos = Long.MAX_VALUE;
        }
        // Deadlines are nanoTime() + wait: a wait of decades would overflow, and is forever anyway.
        return Optional.ofNullable(await(nanos > EFFECTIVELY_FOREVER ? FOREVER : nanos));
    }

    @Override
    public CompletableFuture<Lease> acquireAsync() {
        CompletableFuture<RedisLease> request = request(FOREVER, asyncAttempts());
        CompletableFuture<Lease> result = new CompletableFuture<>();
        result.whenComplete((lease, error) -> {
            if (result.isCancelled()) {
                request.cancel(false);
            }
        });
        request.whenComplete((lease, error) -> runtime.callback(() -> {
            if (error != null) {
                result.completeExceptionally(lockException(error));
            } else if (!result.complete(lease)) {
                lease.releaseAsync();
            }
        }));
        return result;
    }

    /**
     * Requests the lock and waits for the answer, running the request's attempts on this thread.
     * Never returns a lease that is lost already: one that died between its grant and the return
     * (this thread stalled past its deadline) has given its key back in {@code isValid()}, and the
     * request starts again with what is left of the wait.
     */
    private RedisLease await(long waitNanos) throws InterruptedException {
        long started = runtime.now();
        long wait = waitNanos;
        while (true) {
            RedisLease lease = awaitOnce(wait);
            if (lease == null || lease.isValid()) {
                return lease;
            }
            if (waitNanos != FOREVER) {
                wait = waitNanos - (runtime.now() - started);
                if (waitNanos == 0 || wait <= 0) {
                    return null;
                }
            }
        }
    }

    private RedisLease awaitOnce(long waitNanos) throws InterruptedException {
        CallerRuns caller = new CallerRuns(asyncAttempts());
        CompletableFuture<RedisLease> request = request(waitNanos, caller);
        try {
            return caller.await(request);
        } catch (InterruptedException e) {
            if (!request.cancel(false) && !request.isCompletedExceptionally()) {
                RedisLease granted = request.getNow(null);
                if (granted != null) {
                    granted.releaseAsync();
                }
            }
            throw e;
        } catch (ExecutionException e) {
            throw lockException(e.getCause());
        }
    }

    private static LockException lockException(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof LockException) {
            return new LockException(cause.getMessage(), cause);
        }
        if (cause instanceof CancellationException) {
            return new LockException("the lock request was cancelled", cause);
        }
        return new LockException("lock request failed: " + cause, cause);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + line + "]";
    }
}
