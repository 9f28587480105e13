package dev.baton.lock;

import java.util.concurrent.CompletableFuture;

/**
 * Proof that its holder owns a lock, and the way the holder is told when that is no longer true.
 *
 * <p>A lease is owned by the object, not by a thread: any thread may use or release it. Typical
 * use:
 *
 * <pre>{@code
 * try (Lease lease = locks.lock("orders/42").acquire()) {
 *     lease.lost().thenRun(worker::stop);             // told the moment exclusivity is gone
 *     store.write(data, lease.fencingToken());         // the store rejects stale tokens
 * }
 * }</pre>
 *
 * <p>No lock service can stop a paused process from acting on a lease it no longer holds. The
 * {@linkplain #fencingToken() fencing token} is what makes a late write harmless: the resource
 * remembers the highest token it has seen and refuses older ones.
 *
 * <p>Thread safety: all methods are safe to call from any thread.
 */
public interface Lease extends AutoCloseable {

    /** The name of the lock this lease is for, unencoded. */
    String lockName();

    /**
     * A number strictly greater than every fencing token handed out earlier for the same lock
     * name, by any client. Pass it to the resource the lock protects.
     *
     * <p>Read it while the lease is valid (typically right after acquiring) and carry it with the
     * work it guards; once the lease has ended the token is refused here, because using it then
     * would be using a stale token.
     *
     * @throws IllegalStateException if the lease has been released or lost: a token read after
     *     that would be stale by definition
     */
    long fencingToken();

    /**
     * The fencing token of the part {@code lockName} of this lease: for a lease of one lock, its
     * {@link #fencingToken()}; for a lease of several ({@link LockClient#lockAll}), that lock's own
     * token, which is what the resource that lock guards should be given.
     *
     * @throws NullPointerException if {@code lockName} is null
     * @throws IllegalArgumentException if this lease does not cover {@code lockName}
     * @throws IllegalStateException if the lease has been released or lost
     */
    default long fencingToken(String lockName) {
        if (!lockName().equals(java.util.Objects.requireNonNull(lockName, "lockName"))) {
            throw new IllegalArgumentException("this lease is for '" + lockName() + "', not '" + lockName + "'");
        }
        return fencingToken();
    }

    /**
     * Whether the lease is still held, as far as this client can tell right now: not released,
     * not lost, and (for leases with a time-to-live) not past the point where the backend could
     * have let it expire.
     */
    boolean isValid();

    /**
     * A future that completes, with the reason, the moment the backend can no longer guarantee
     * that this lease is exclusive. It never completes if the lease is released normally.
     *
     * <p>It completes on the client's callback thread; do not block in a dependent stage. Each
     * call returns a future of its own: completing or cancelling it changes neither the lease nor
     * the futures other callers hold.
     */
    CompletableFuture<LossReason> lost();

    /**
     * Releases the lock. Idempotent: later calls, and calls after the lease was lost, do nothing.
     * The lease is invalid as soon as this is called. When the backend is reachable the call
     * returns after the backend has freed the lock; when it is not, the call returns without
     * waiting, and the lock is freed when the connection returns or when the backend expires it.
     * Never throws for backend faults; if the calling thread is interrupted while waiting, the
     * release goes on in the background and the interrupt flag is kept.
     */
    void release();

    /** Same as {@link #release()}. */
    @Override
    void close();
}
