package dev.baton.lock.redis;

import dev.baton.lock.redis.internal.Scripts;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.redisson.api.RLock;

/**
 * One request for a lock on the Redisson adapter.
 *
 * <p>The first attempt is one Baton script that takes the lock if it is free, in Redisson's own
 * format, together with its fencing token. If the lock is held, Redisson does the waiting
 * ({@code tryLockAsync} with an explicit owner id and lease time, so no Redisson watchdog runs): it
 * subscribes to the lock's channel on its own shared pub/sub connection and parks no thread. The
 * wait is asked for in slices of at most {@link #SLICE_MILLIS}: Redisson (4.7) can miss an unlock
 * message that arrives while a waiter registers its listener ({@code RedissonLockEntry.addListener}
 * against {@code LockPubSub.onMessage}), and would then wait out the holder's whole TTL although
 * the lock is free. Once Redisson reports the grant, one script checks that the owner still holds
 * the lock, restarts its TTL and takes the fencing token, atomically: a token is never handed to an
 * owner whose lock already expired, so tokens follow the order of holders. The lease's lifetime is
 * measured from that script.
 *
 * <p>A waiting request whose Redisson call fails for a reason that may pass (connection lost,
 * timeout, failover) tries again with a new owner id, for up to the client's give-up time, after
 * unlocking the failed owner in case the server granted it before the reply was lost.
 *
 * <p>Thread-safe; state is guarded by the monitor.
 */
final class RedissonAcquisition {

    /** The longest single wait asked of Redisson, hence the longest a missed unlock message can stall. */
    static final long SLICE_MILLIS = 1000;

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

    /** Starts the request; the future is as {@link AbstractRedisLock#startRequest} describes. */
    CompletableFuture<RedisLease> start() {
        runtime.track(future);
        future.whenComplete((lease, error) -> finish(lease));
        firstAttempt();
        return future;
    }

    /**
     * Takes a free lock and its token in one script, so that an uncontended acquire costs one round
     * trip; Redisson's waiting is used only when the lock is held. The reply is never cancelled: a
     * grant that comes after the request ended is released.
     */
    private void firstAttempt() {
        long owner = backend.newOwnerId();
        long sent = runtime.now();
        CompletableFuture<Long> reply;
        try {
            reply = backend.eval(Scripts.REDISSON_ACQUIRE, keys, owner);
        } catch (RuntimeException e) {
            future.completeExceptionally(RedissonBackend.lockException("acquire lock '" + keys.name() + "'", e));
            return;
        }
        reply.whenComplete((token, error) -> {
            if (error != null) {
                onLocked(owner, null, error);
            } else if (token != 0L) {
                onFenced(owner, sent, token, null);
            } else if (waitNanos == 0) {
                future.complete(null);
            } else {
                lockOnce();
            }
        });
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
        long waitMillis = SLICE_MILLIS;
        if (waitNanos >= 0) {
            waitMillis = Math.min(waitMillis,
                    TimeUnit.NANOSECONDS.toMillis(Math.max(0, deadline - runtime.now() + 999_999)));
        }
        try {
            locked = lock.tryLockAsync(waitMillis, lease, TimeUnit.MILLISECONDS, owner).toCompletableFuture();
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
            if (waitNanos < 0 || (waitNanos > 0 && runtime.now() - deadline < 0)) {
                lockOnce(); // the slice ran out, not the wait
            } else {
                future.complete(null);
            }
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
        RedisLease lease = token == 0L ? null
                : new RedisLease(runtime, new RedissonLeaseOps(backend, keys, owner), keys.name(), token, sent);
        if (lease != null) {
            lease.start();
        }
        if (lease == null || !lease.isValid()) {
            // The grant expired before its token was taken, or the reply came so late (Redisson
            // retries a command whose connection broke) that the lease could have expired on the
            // server already; isValid() has then given it back. Only with tiny leases or long stalls.
            if (waitNanos < 0 || (waitNanos > 0 && runtime.now() - deadline < 0)) {
                lockOnce();
            } else {
                future.complete(null);
            }
            return;
        }
        if (!future.complete(lease)) {
            lease.releaseAsync();
        }
    }

    private void unlockQuietly(long owner) {
        try {
            new RedissonLeaseOps(backend, keys, owner).release(false).exceptionally(e -> null);
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
