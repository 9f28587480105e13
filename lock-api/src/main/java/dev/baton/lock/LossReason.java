package dev.baton.lock;

/** Why a {@link Lease} was lost. */
public enum LossReason {

    /**
     * The connection to the backend dropped. The session may still be alive and the lock may still
     * be recorded as ours, but we can no longer know whether someone else has it, so the lease is
     * given up (ZooKeeper with the default {@code suspended} policy). Baton frees the lock itself
     * once the connection returns.
     */
    CONNECTION_SUSPENDED,

    /**
     * The backend session that owned the lock has expired, or may have by the client's own clock
     * (ZooKeeper: no answer from the server for nearly a session timeout).
     */
    SESSION_EXPIRED,

    /**
     * The lease's time-to-live could run out on the server before it could be renewed (Redis:
     * renewal failed or was not confirmed in time).
     */
    LEASE_EXPIRED,

    /** The backend shows the lock held by someone else, or our record of it was deleted. */
    TAKEN_OVER,

    /** The {@link LockClient} that owned the lease was closed while the lease was held. */
    CLIENT_CLOSED
}
