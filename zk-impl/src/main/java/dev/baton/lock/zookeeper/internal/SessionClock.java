package dev.baton.lock.zookeeper.internal;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * How long one ZooKeeper session is certainly alive, by this client's own monotonic clock.
 *
 * <p>The server expires a session once it has heard nothing from it for the session timeout
 * (rounded up to its tick). Every answer to a request proves the server heard from the session
 * after the request was <em>sent</em>, so the session lives at least until the send time of the
 * newest answered request plus the timeout. A lease of the session is valid only before that
 * moment less a margin: the <em>deadline</em>. It is computed from a ticker on every call, not
 * from ZooKeeper's threads having run, so a process that wakes from a pause longer than the session
 * sees its leases invalid at once.
 *
 * <p>The margin is a tenth of the session timeout, as the Redis backend keeps a tenth of its lease:
 * it absorbs the rate difference between the two clocks (parts per million on real hardware), the
 * delay of the timer that completes {@code lost()} after the deadline (tens of ms on a loaded
 * machine in the soak), and leaves the holder time to act on {@code lost()}. Everything else is on
 * the safe side: the server heard the request after it was sent, a follower reports the touch to
 * the leader later still, and the leader rounds expiry up to a tick.
 *
 * <p>One instance per session: a lease keeps the clock of the session that owns its node, so that
 * answers on a later session never extend it. Thread-safe.
 */
final class SessionClock {

    private static final long NONE = Long.MIN_VALUE;

    private final LongSupplier ticker;
    private final Object lock = new Object();
    private long confirmedSent = NONE; // guarded by lock
    private volatile long deadline;
    private volatile boolean confirmed;
    private volatile long timeoutNanos;

    /**
     * @param ticker a monotonic clock in nanoseconds ({@code System::nanoTime})
     */
    SessionClock(LongSupplier ticker) {
        this.ticker = ticker;
    }

    /** Now, on this clock's ticker. */
    long now() {
        return ticker.getAsLong();
    }

    /**
     * The server answered a request sent at {@code sentNanos} on this session.
     *
     * @param timeoutMillis the session timeout the server granted; ignored unless positive
     */
    void confirmed(long sentNanos, int timeoutMillis) {
        synchronized (lock) {
            if (timeoutMillis > 0) {
                timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            }
            if (timeoutNanos <= 0) {
                return;
            }
            if (confirmedSent == NONE || sentNanos - confirmedSent > 0) {
                confirmedSent = sentNanos;
            }
            deadline = confirmedSent + timeoutNanos - marginOf(timeoutNanos);
            confirmed = true;
        }
    }

    /** The moment past which leases of this session are invalid; meaningful once {@link #isConfirmed()}. */
    long deadline() {
        return deadline;
    }

    /** Whether the server has answered anything on this session yet. */
    boolean isConfirmed() {
        return confirmed;
    }

    /** Whether the session may have expired by now (true until the server first answers). */
    boolean isPast() {
        return isPast(now());
    }

    boolean isPast(long nowNanos) {
        return !confirmed || nowNanos - deadline >= 0;
    }

    /** The session timeout the server granted, 0 until known. */
    long timeoutNanos() {
        return timeoutNanos;
    }

    /**
     * When the server should next answer something to keep the deadline well ahead: a third of the
     * timeout after the send time of the newest answered request (as the Redis backend renews at a
     * third of its lease). Meaningful once {@link #isConfirmed()}.
     */
    long heartbeatDue() {
        synchronized (lock) {
            return confirmedSent + timeoutNanos / 3;
        }
    }

    /** The margin kept before the session could expire: a tenth of its timeout. */
    static long marginOf(long timeoutNanos) {
        return timeoutNanos / 10;
    }
}
