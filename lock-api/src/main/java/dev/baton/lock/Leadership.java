package dev.baton.lock;

/**
 * The lease of an election's leader: proof that its holder leads, and the way it is told when it
 * no longer does. Everything {@link Lease} promises holds: {@link #lost()} completes the moment the
 * backend can no longer guarantee that nobody else leads; release and close are idempotent.
 *
 * <p>{@link #term()} is the leadership's fencing token: strictly greater than the term of every
 * earlier leader of the same election, across all candidates, also after the backend restarted
 * (see each backend's caveats). Pass it with every action the leader takes, so that a resource can
 * refuse a deposed leader's late action.
 *
 * <p>Thread-safe; owned by the object, not a thread.
 */
public interface Leadership extends Lease {

    /** The election's name; same as {@link #lockName()}. */
    default String election() {
        return lockName();
    }

    /**
     * The term of this leadership. Unlike {@link #fencingToken()}, it may be read after the
     * leadership ended (to log it, say); it is the same number.
     */
    long term();

    /** The payload this leader published ({@link LeaderElection#withPayload}); empty if none. */
    String payload();

    /**
     * Steps down: the next candidate leads as soon as the backend tells it, without waiting for
     * any timeout. The same as {@link #release()}; idempotent.
     */
    default void resign() {
        release();
    }
}
