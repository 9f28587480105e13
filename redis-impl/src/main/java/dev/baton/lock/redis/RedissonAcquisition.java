package dev.baton.lock.redis;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RLock;

/**
 * One request for a lock on the Redisson adapter.
 *
 * <p>Redisson does the waiting ({@code lockAsync}/{@code tryLockAsync} with an explicit owner id and
 * lease time, so no Redisson watchdog runs): it subscribes to the lock's channel on its own shared
 * pub/sub connection and parks no thread. Once Redisson reports the grant, one script checks that
 * the owner still holds the lock, restarts its TTL and takes the fencing token, atomically: a token
 * is never handed to an owner whose lock already expired, so tokens follow the order of holders.
 * The lease's lifetime is measured from that script.
 *
 * <p>A waiting request whose Redisson call fails for a reason that may pass (connection lost,
 * timeout, failover) tries again with a new owner id, for up to the client's give-up time, after
 * unlocking the failed owner in case the server granted it before the reply was lost.
 *
 * <p>Thread-safe; state is guarded by the monitor.
 */
final class RedissonAcquisition {

    private final RedissonBackend backend;
    private final ClientRuntime runtime;
    private final LockKeys keys;
    private final long waitNanos;
    private final long deadline;
    private final CompletableFuture<RedisLease> future = new CompletableFuture<>();

    private boolean done;
    private int failures;
    private long failingSince;
    private CompletableFuture<?> pending;

    /** @param waitNanos {@link AbstractRedisLock#FOREVER}, 0 for one attempt, or the longest wait */
    RedissonAcquisition(RedissonBackend backend, LockKeys keys, long waitNanos) {
        this.backend = backend;
        this.runtime = backend.runtime();
        this.keys = keys;
        this.waitNanos = waitNanos;
        this.deadline = runtime.now() + Math.max(0, waitNanos);
    }

    /** Starts the request; the future is as {@link AbstractRedisLock#request(long)} describes. */
    CompletableFuture<RedisLease> start() {
        runtime.track(future);
        future.whenComplete((lease, error) -> finish(lease));
        lockOnce();
        return future;
    }

    private void lockOnce() {
        synchronized (this) {
            if (done) {
                return;
            }
        }
        long owner = backend.newOwnerId();
        RLock lock = backend.lock(keys);
        long lease = backend.leaseMillis();
        CompletableFuture<?> locked;
        try {
            if (waitNanos < 0) {
                locked = lock.lockAsync(lease, TimeUnit.MILLISECONDS, owner).toCompletableFuture();
            } else {
                long waitMillis = TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - runtime.now() + 999_999));
                locked = lock.tryLockAsync(waitMillis, lease, TimeUnit.MILLISECONDS, owner).toCompletableFuture();
            }
        } catch (RuntimeException e) {
            future.completeExceptionally(RedissonBackend.lockException("acquire lock '" + keys.name() + "'", e));
            return;
        }
        synchronized (this) {
            if (!done) {
                pending = locked;
            }
        }
        if (future.isDone()) {
            locked.cancel(false);
        }
        locked.whenComplete((result, error) -> onLocked(owner, result, error));
    }

    private void onLocked(long owner, Object result, Throwable error) {
        boolean granted = error == null && !Boolean.FALSE.equals(result);
        boolean ended;
        synchronized (this) {
            pending = null;
            ended = done;
        }
        if (ended) {
            if (granted) {
                unlockQuietly(owner);
            }
            return;
        }
        if (error != null) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (!(cause instanceof CancellationException)) {
                onFailure(owner, cause);
            }
            return;
        }
        synchronized (this) {
            failures = 0;
        }
        if (!granted) {
            future.complete(null);
            return;
        }
        long sent = runtime.now();
        backend.eval(Scripts.REDISSON_FENCE, keys, owner).whenComplete((token, e) -> onFenced(owner, sent, token, e));
    }

    private void onFailure(long owner, Throwable error) {
        // The server may have granted the lock before the reply was lost; this owner is never used again.
        unlockQuietly(owner);
        boolean retry;
        synchronized (this) {
            long now = runtime.now();
            if (failures++ == 0) {
                failingSince = now;
            }
            retry = !done && waitNanos != 0 && RedissonBackend.isTransient(error)
                    && now - failingSince <= backend.giveUpNanos() && (waitNanos < 0 || now - deadline < 0);
            if (retry) {
                long backoff = TimeUnit.MILLISECONDS.toNanos(Math.min(1000, 25L << Math.min(failures, 6)));
                runtime.schedule(this::lockOnce, backoff);
            }
        }
        if (!retry) {
            future.completeExceptionally(RedissonBackend.lockException("acquire lock '" + keys.name() + "'", error));
        }
    }

    private void onFenced(long owner, long sent, Long token, Throwable error) {
        if (error != null) {
            unlockQuietly(owner);
            future.completeExceptionally(RedissonBackend.lockException("take a fencing token for lock '"
                    + keys.name() + "'", error));
            return;
        }
        if (token == 0L) {
            // The grant expired before its token was taken: only possible with tiny leases or long stalls.
            if (waitNanos < 0 || (waitNanos > 0 && runtime.now() - deadline < 0)) {
                lockOnce();
            } else {
                future.complete(null);
            }
            return;
        }
        RedisLease lease = new RedisLease(runtime, new RedissonLeaseOps(backend, keys, owner), keys.name(), token, sent);
        lease.start();
        if (!future.complete(lease)) {
            lease.releaseAsync();
        }
    }

    private void unlockQuietly(long owner) {
        try {
            new RedissonLeaseOps(backend, keys, owner).release().exceptionally(e -> null);
        } catch (RuntimeException e) {
            // The client is shutting down; the lease time frees the lock.
        }
    }

    private void finish(RedisLease lease) {
        CompletableFuture<?> waiting;
        synchronized (this) {
            done = true;
            waiting = pending;
            pending = null;
        }
        if (lease == null && waiting != null) {
            // Redisson releases a grant that races with the cancel; onLocked covers the rest.
            waiting.cancel(false);
        }
    }
}
