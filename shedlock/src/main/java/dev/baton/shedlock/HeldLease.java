package dev.baton.shedlock;

import dev.baton.lock.Lease;
import dev.baton.lock.LossReason;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import net.javacrumbs.shedlock.core.ClockProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lease under ShedLock's rules: released at {@code lockAtMostUntil} unless unlocked first, and
 * on unlock kept until {@code lockAtLeastUntil}. One timer task at a time, replaced on extend and
 * on unlock.
 *
 * <p>Thread-safe. A release runs under the monitor, so a caller that asks for one returns only once
 * it is done, also when the timer thread was releasing at the same moment.
 */
final class HeldLease {

    private static final Logger LOG = LoggerFactory.getLogger(HeldLease.class);

    private enum State { RUNNING, UNLOCKED, RELEASED }

    private final Lease lease;
    private final ScheduledExecutorService timer;
    private final Consumer<HeldLease> onRelease;
    private State state = State.RUNNING;
    private Instant atMostUntil;
    private ScheduledFuture<?> task;

    HeldLease(Lease lease, ScheduledExecutorService timer, Consumer<HeldLease> onRelease) {
        this.lease = lease;
        this.timer = timer;
        this.onRelease = onRelease;
        lease.lost().thenAccept(this::lost);
    }

    String lockName() {
        return lease.lockName();
    }

    /** While the task runs: release at {@code until}, or now if that has passed. */
    synchronized void expireAt(Instant until) {
        atMostUntil = until;
        schedule(until, true);
    }

    /**
     * Extends a running lock to {@code until}. False, and released, if its {@code lockAtMostUntil}
     * had passed: an expired lock cannot come back, someone else may hold it by now.
     */
    synchronized boolean extendTo(Instant until) {
        if (state != State.RUNNING) {
            return false;
        }
        if (!ClockProvider.now().isBefore(atMostUntil) || !lease.isValid()) {
            release();
            return false;
        }
        expireAt(until);
        return true;
    }

    /** The task is done: release at {@code atLeastUntil}, or now if that has passed. */
    synchronized void unlock(Instant atLeastUntil) {
        if (state == State.RUNNING) {
            state = State.UNLOCKED;
            schedule(atLeastUntil, false);
        }
    }

    synchronized void releaseNow() {
        release();
    }

    private void schedule(Instant until, boolean taskRunning) {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        long delayMillis = Duration.between(ClockProvider.now(), until).toMillis();
        if (delayMillis <= 0) {
            release();
            return;
        }
        try {
            task = timer.schedule(() -> fire(taskRunning), delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closed) {
            release();
        }
    }

    private synchronized void fire(boolean taskRunning) {
        if (state == State.RELEASED) {
            return;
        }
        if (taskRunning && state == State.RUNNING) {
            LOG.warn("lock '{}' reached its lockAtMostFor while its task still ran; it is released, and another"
                    + " node may now run the task too", lease.lockName());
        }
        release();
    }

    private void release() {
        if (state == State.RELEASED) {
            return;
        }
        state = State.RELEASED;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
        lease.release();
        onRelease.accept(this);
    }

    private void lost(LossReason reason) {
        if (reason != LossReason.CLIENT_CLOSED) {
            LOG.warn("lock '{}' was lost ({}) while held; another node may now run its task", lease.lockName(), reason);
        }
        synchronized (this) {
            if (state == State.RELEASED) {
                return;
            }
            // Nothing to send: a lost lease has nothing to release. This runs on the client's
            // callback thread, which a release elsewhere may be waiting for.
            state = State.RELEASED;
            if (task != null) {
                task.cancel(false);
                task = null;
            }
        }
        onRelease.accept(this);
    }
}
