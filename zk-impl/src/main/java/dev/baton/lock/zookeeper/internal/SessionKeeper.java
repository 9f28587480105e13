package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LossReason;
import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an engine's leases within their session's deadline ({@link SessionClock}), in both loss
 * policies: a lease whose session may have expired is ended with
 * {@link LossReason#SESSION_EXPIRED} at its deadline, whether or not the connection is back and
 * whatever Curator has reported so far.
 *
 * <p>While the engine holds leases or waits for locks, the keeper also makes sure the server
 * answers something at least every third of the session timeout: a read of the root node when
 * nothing else was answered meanwhile (ZooKeeper's own pings are invisible to its users). Without
 * it, an idle holder's deadline would pass on a healthy session. A busy client sends none.
 *
 * <p>One timer task on a thread of its own, not the callback thread, so that a user blocking in a
 * callback cannot make leases expire; the engine's other timers (the janitor's retry, a stalled
 * acquire's resync) run on it too, for the same reason. Thread-safe.
 */
final class SessionKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(SessionKeeper.class);
    private static final AtomicInteger KEEPERS = new AtomicInteger();
    /** Before the server has granted a timeout: how often to look. */
    private static final long UNKNOWN_TIMEOUT_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final LockEngine engine;
    private final Session session;
    private final String heartbeatPath;
    private final ServiceExecutor timer;
    private final AtomicBoolean heartbeatOut = new AtomicBoolean();
    private @Nullable ScheduledFuture<?> task; // guarded by this
    private long taskAt; // guarded by this
    private boolean stopped; // guarded by this

    SessionKeeper(LockEngine engine, Session session, String heartbeatPath) {
        this.engine = engine;
        this.session = session;
        this.heartbeatPath = heartbeatPath;
        this.timer = ServiceExecutor.scheduled("baton-zookeeper-session-" + KEEPERS.incrementAndGet(), 1);
    }

    void stop() {
        synchronized (this) {
            stopped = true;
            if (task != null) {
                task.cancel(false);
            }
        }
        timer.shutdown();
    }

    /**
     * Runs one of the engine's fallback timers ({@link LockEngine#schedule}) on this keeper's
     * thread, which no user code runs on; dropped once the client is closed.
     */
    void schedule(Runnable task, long delayMillis) {
        if (timer.schedule(task, delayMillis, TimeUnit.MILLISECONDS) == null) {
            LOG.debug("client closed; dropping scheduled task");
        }
    }

    /** Something new to keep (a lease, a waiting request): makes sure the timer runs by {@code due}. */
    void wakeBy(long due) {
        synchronized (this) {
            if (stopped || (task != null && taskAt - due <= 0)) {
                return;
            }
            if (task != null) {
                task.cancel(false);
            }
            long now = engine.now();
            taskAt = due;
            task = timer.schedule(this::tick, Math.max(0, due - now), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * A lease began ({@code leaseClock} its session's clock) or a request started (null): makes sure
     * the timer runs by the lease's deadline and by the next heartbeat due on the current session.
     * Costs no thread switch while the timer already runs, as it does while the engine holds or waits.
     */
    void keep(@Nullable SessionClock leaseClock) {
        long due;
        long now = engine.now();
        try {
            SessionClock current = session.clock();
            due = current.isConfirmed() ? current.heartbeatDue() : now;
            if (leaseClock == null && current.isConfirmed()) {
                // A request that starts now sends its own create and read: their answers move the
                // clock, so a heartbeat is not due before a third of the session from now.
                due = Math.max(due - now, current.timeoutNanos() / 3) + now;
            }
        } catch (RuntimeException e) {
            due = now + UNKNOWN_TIMEOUT_PERIOD_NANOS;
        }
        if (leaseClock != null && leaseClock.isConfirmed()) {
            due = earlier(due, leaseClock.deadline());
        }
        wakeBy(due);
    }

    private void tick() {
        synchronized (this) {
            task = null;
        }
        try {
            long next = keep();
            if (next != Long.MAX_VALUE) {
                wakeBy(next);
            }
        } catch (RuntimeException e) {
            LOG.warn("session keeper failed; trying again", e);
            wakeBy(engine.now() + UNKNOWN_TIMEOUT_PERIOD_NANOS);
        }
    }

    /** Ends overdue leases, sends a heartbeat if one is due; returns when to look again, or MAX_VALUE for never. */
    private long keep() {
        long now = engine.now();
        long next = Long.MAX_VALUE;
        for (ZkLease lease : engine.leases()) {
            SessionClock clock = lease.clock();
            if (clock.isPast(now)) {
                lease.markLost(LossReason.SESSION_EXPIRED);
            } else {
                next = earlier(next, clock.deadline());
            }
        }
        if (!engine.keepsSessions()) {
            return next;
        }
        SessionClock current;
        try {
            current = session.clock();
        } catch (RuntimeException e) {
            return earlier(next, now + UNKNOWN_TIMEOUT_PERIOD_NANOS); // closed, or no handle yet
        }
        if (!current.isConfirmed()) {
            heartbeat();
            return earlier(next, now + UNKNOWN_TIMEOUT_PERIOD_NANOS);
        }
        long due = current.heartbeatDue();
        if (now - due >= 0) {
            heartbeat();
            due = now + current.timeoutNanos() / 3;
        }
        return earlier(next, due);
    }

    private static long earlier(long a, long b) {
        return a == Long.MAX_VALUE || b - a < 0 ? b : a;
    }

    /** One read whose answer moves the session's clock; at most one at a time. */
    private void heartbeat() {
        if (!heartbeatOut.compareAndSet(false, true)) {
            return;
        }
        try {
            session.exists(heartbeatPath, null, (code, stat) -> heartbeatOut.set(false));
        } catch (RuntimeException e) {
            heartbeatOut.set(false); // no handle: the next tick tries again
        }
    }
}
