package dev.baton.lock.redis;

import dev.baton.lock.Lease;
import dev.baton.lock.LossReason;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lease on a Redis key with a TTL, and its watchdog.
 *
 * <p>The watchdog renews at a third of the lease time. Independently, a deadline declares the lease
 * lost once it could have expired on the server: the TTL starts when the server runs the
 * acquire or renewal, which is after the client sent it, so {@code sent + leaseTime} measured on the
 * client's monotonic clock is an upper bound; a tenth of the lease is kept as a margin for clock
 * rate differences and scheduling delay. A renewal that fails, or finds the key gone or taken, ends
 * the lease at once.
 *
 * <p>Thread-safe: state changes under the lease's monitor, and futures complete on the client's
 * callback thread.
 */
final class RedisLease implements Lease {

    private static final Logger LOG = LoggerFactory.getLogger(RedisLease.class);

    private enum State { HELD, RELEASED, LOST }

    private final ClientRuntime runtime;
    private final LeaseOps ops;
    private final String lockName;
    private final long token;
    private final long leaseNanos;
    private final long marginNanos;
    private final CompletableFuture<LossReason> lost = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final SharedTimer.Slot deadline;

    private State state = State.HELD;
    private LossReason lossReason;
    private long validUntil;
    private long renewAt;
    private boolean renewing;

    /**
     * @param sentNanos when the acquire that granted this lease was sent, on {@link ClientRuntime#now()}
     */
    RedisLease(ClientRuntime runtime, LeaseOps ops, String lockName, long token, long sentNanos) {
        this.runtime = runtime;
        this.ops = ops;
        this.lockName = lockName;
        this.token = token;
        this.leaseNanos = runtime.options().leaseTime().toNanos();
        this.marginNanos = marginOf(leaseNanos);
        this.validUntil = sentNanos + leaseNanos - marginNanos;
        this.renewAt = sentNanos + leaseNanos / 3;
        this.deadline = runtime.leaseTimer().slot(this::onDeadline);
    }

    /** A tenth of the lease: see the class comment. */
    private static long marginOf(long leaseNanos) {
        return leaseNanos / 10;
    }

    /**
     * Whether a lease granted by a request sent at {@code sentNanos} would be past its deadline
     * already: lost on arrival, not to be handed out.
     */
    static boolean isPastDeadline(ClientRuntime runtime, long sentNanos) {
        long lease = runtime.options().leaseTime().toNanos();
        return runtime.now() - (sentNanos + lease - marginOf(lease)) >= 0;
    }

    /** Registers the lease with its client and starts the watchdog; call once, before handing it out. */
    void start() {
        if (!runtime.hold(this)) {
            closeByClient();
            return;
        }
        synchronized (this) {
            if (state == State.HELD) {
                deadline.at(renewAt);
            }
        }
    }

    @Override
    public String lockName() {
        return lockName;
    }

    @Override
    public long fencingToken() {
        expireIfDue();
        synchronized (this) {
            if (state == State.HELD) {
                return token;
            }
            throw new IllegalStateException("the lease on lock '" + lockName + "' was "
                    + (state == State.RELEASED ? "released" : "lost (" + lossReason + ")")
                    + "; its fencing token is stale");
        }
    }

    @Override
    public boolean isValid() {
        expireIfDue();
        synchronized (this) {
            return state == State.HELD;
        }
    }

    @Override
    public CompletableFuture<LossReason> lost() {
        return lost.copy();
    }

    @Override
    public void release() {
        CompletableFuture<Void> done = end(true);
        if (done.isDone()) {
            return;
        }
        try {
            done.get(runtime.releaseWait().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("release of lock '{}' did not finish; the lease's TTL will free it", lockName, e);
        }
    }

    @Override
    public void close() {
        release();
    }

    /** Releases without waiting; does nothing if already released or lost. Never fails. */
    CompletableFuture<Void> releaseAsync() {
        return end(false);
    }

    /**
     * Completes, normally, once this lease is over and its release has been answered or has failed:
     * the point at which the next request of this client may as well try for the lock.
     */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** Takes the lease away because its client is closing; returns the release under way. */
    CompletableFuture<Void> closeByClient() {
        return lose(LossReason.CLIENT_CLOSED);
    }

    private CompletableFuture<Void> end(boolean callerWaits) {
        synchronized (this) {
            if (state != State.HELD) {
                return CompletableFuture.completedFuture(null);
            }
            state = State.RELEASED;
            deadline.cancel();
        }
        runtime.unhold(this);
        return sendRelease(callerWaits);
    }

    private CompletableFuture<Void> lose(LossReason reason) {
        synchronized (this) {
            if (state != State.HELD) {
                return CompletableFuture.completedFuture(null);
            }
            state = State.LOST;
            lossReason = reason;
            deadline.cancel();
        }
        LOG.debug("lease on lock '{}' (token {}) lost: {}", lockName, token, reason);
        runtime.unhold(this);
        runtime.callback(() -> lost.complete(reason));
        // Frees the key early if it is still ours; harmless if it is not.
        return sendRelease(false);
    }

    private CompletableFuture<Void> sendRelease(boolean callerWaits) {
        CompletableFuture<Void> sent;
        try {
            sent = ops.release(callerWaits);
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        sent.whenComplete((ok, error) -> {
            if (error != null) {
                LOG.debug("release of lock '{}' failed; the lease's TTL will free it", lockName, error);
            }
            ended.complete(null);
        });
        return ended;
    }

    /** The watchdog's deadline passed: declares the lease lost, or sends a renewal, as due. */
    private void onDeadline() {
        long now = runtime.now();
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
            if (now - validUntil < 0) {
                if (renewing || now - renewAt < 0) {
                    setDeadline();
                    return;
                }
                if (runtime.renewalsPaused()) {
                    renewAt = now + leaseNanos / 3;
                    setDeadline();
                    return;
                }
                renewing = true;
                setDeadline();
            }
        }
        if (now - validUntil >= 0) {
            lose(LossReason.LEASE_EXPIRED);
        } else {
            renew(now);
        }
    }

    private void renew(long sent) {
        CompletableFuture<Boolean> renewed;
        try {
            renewed = ops.renew();
        } catch (RuntimeException e) {
            renewed = CompletableFuture.failedFuture(e);
        }
        renewed.whenComplete((ok, error) -> onRenewed(sent, ok, error));
    }

    private void onRenewed(long sent, Boolean ok, Throwable error) {
        if (error != null) {
            LOG.debug("renewal of lock '{}' failed", lockName, error);
            runtime.listener().renewalFailed(runtime.backend(), lockName, LossReason.LEASE_EXPIRED);
            lose(LossReason.LEASE_EXPIRED);
            return;
        }
        if (!ok) {
            runtime.listener().renewalFailed(runtime.backend(), lockName, LossReason.TAKEN_OVER);
            lose(LossReason.TAKEN_OVER);
            return;
        }
        runtime.listener().renewed(runtime.backend(), lockName);
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
            renewing = false;
            validUntil = Math.max(validUntil, sent + leaseNanos - marginNanos);
            renewAt = sent + leaseNanos / 3;
            setDeadline();
        }
    }

    private void expireIfDue() {
        boolean due;
        synchronized (this) {
            due = state == State.HELD && runtime.now() - validUntil >= 0;
        }
        if (due) {
            lose(LossReason.LEASE_EXPIRED);
        }
    }

    // Callers hold the monitor. While a renewal is out, only the loss deadline counts.
    private void setDeadline() {
        deadline.at(renewing || validUntil - renewAt < 0 ? validUntil : renewAt);
    }

    @Override
    public String toString() {
        synchronized (this) {
            return "RedisLease[lock=" + lockName + ", token=" + token + ", " + state
                    + (lossReason == null ? "" : " " + lossReason) + "]";
        }
    }
}
