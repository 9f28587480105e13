package dev.baton.lock;

import java.time.Duration;

/**
 * Observes what a {@link LockClient} does: for metrics, logs or tracing. Pass one to
 * {@link LockClients#open(java.util.Map, LockListener)}; every method has a no-op default, so an
 * implementation overrides only what it needs.
 *
 * <p>Most events are seen by a wrapper around the client that the backend does not know about:
 * every request ends in exactly one of {@link #acquired} or {@link #acquireFailed} after its
 * {@link #acquireStarted}, and every lease handed out ends in exactly one of {@link #released} or
 * {@link #lost}. The backends report only what no wrapper can see: Redis lease renewals and
 * ZooKeeper connection states.
 *
 * <p>{@code lockName} is the name as the user gave it. Names are unbounded: an implementation that
 * turns them into metric tags or labels should do so only when its user asks for it.
 *
 * <p>Thread safety: methods are called on whichever thread the event happened on (a caller's
 * thread, the client's callback thread, a backend thread), concurrently. They must be fast and
 * must not block; an exception thrown from one is logged and otherwise ignored.
 */
public interface LockListener {

    /** Ignores every event. */
    LockListener NONE = new LockListener() {
        @Override
        public String toString() {
            return "LockListener.NONE";
        }
    };

    /** Why a request ended without a lease. */
    enum AcquireFailure {
        /** {@code tryAcquire} waited its whole time and the lock stayed held elsewhere. */
        TIMED_OUT,
        /** The request was withdrawn: the waiting thread was interrupted, or the future cancelled. */
        CANCELLED,
        /** The backend failed or the client was closed ({@link LockException}, or any other error). */
        FAILED
    }

    /**
     * A request for the lock was made ({@code acquire}, {@code tryAcquire} or {@code acquireAsync}).
     *
     * @param backend the client's {@link LockClient#backend()}
     * @param lockName the lock's name
     */
    default void acquireStarted(String backend, String lockName) {
    }

    /**
     * A request was granted.
     *
     * @param waited from the request to the grant
     */
    default void acquired(String backend, String lockName, Duration waited) {
    }

    /**
     * A request ended without a lease.
     *
     * @param waited from the request to its end
     * @param failure why
     */
    default void acquireFailed(String backend, String lockName, Duration waited, AcquireFailure failure) {
    }

    /**
     * A lease was released by its holder.
     *
     * @param held from the grant to the release
     */
    default void released(String backend, String lockName, Duration held) {
    }

    /**
     * A lease was lost: its {@link Lease#lost()} completed (or would have, for a backend that
     * watches for some losses only when asked: a ZooKeeper lease deleted by someone else is seen
     * only once its holder called {@code lost()}).
     *
     * @param reason the loss's reason
     * @param held from the grant to the loss
     */
    default void lost(String backend, String lockName, LossReason reason, Duration held) {
    }

    /** A lease with a time-to-live was renewed (Redis backends). */
    default void renewed(String backend, String lockName) {
    }

    /**
     * A renewal of a lease with a time-to-live failed (Redis backends); the lease is lost with the
     * same reason.
     *
     * @param reason {@link LossReason#LEASE_EXPIRED} if the server could not be asked in time,
     *     {@link LossReason#TAKEN_OVER} if it showed the lock held by someone else
     */
    default void renewalFailed(String backend, String lockName, LossReason reason) {
    }

    /**
     * The client's connection changed state (ZooKeeper: Curator's {@code CONNECTED},
     * {@code SUSPENDED}, {@code RECONNECTED}, {@code LOST}, {@code READ_ONLY}).
     *
     * @param state the new state's name, in upper case
     */
    default void connectionStateChanged(String backend, String state) {
    }
}
