package dev.baton.lock;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A named, cluster-wide mutual-exclusion lock. At most one valid {@link Lease} exists for a name at
 * any time, across all clients of the same backend and namespace. (The read side of a
 * {@link ReadWriteLock} is the one exception: its leases are shared with other readers, and exclude
 * only writers.)
 *
 * <p>The lock is not reentrant: a second acquire through the same or another handle waits for the
 * first lease to be released, even on the same thread. Leases belong to the object that holds them,
 * not to a thread.
 *
 * <p>Waiters are served in the order they asked where the backend keeps a queue (ZooKeeper); the
 * Redis backend serves whoever retries first after a release.
 *
 * <p>Thread safety: safe for concurrent use; every call is an independent request.
 */
public interface DistributedLock {

    /** The name this lock was obtained with, unencoded. */
    String name();

    /**
     * Waits until the lock is acquired.
     *
     * @return the lease; never null
     * @throws InterruptedException if the calling thread is interrupted while waiting; the request
     *     is withdrawn first, so no queue entry is left behind, and the interrupt flag is cleared as
     *     usual for this exception
     * @throws LockException if the backend fails in a way that waiting cannot cure, or the client is
     *     closed
     */
    Lease acquire() throws InterruptedException;

    /**
     * Tries to acquire the lock, waiting at most {@code maxWait}.
     *
     * @param maxWait how long to wait; {@link Duration#ZERO} makes one attempt and returns at once
     * @return the lease, or empty if the lock was held by someone else for the whole wait: losing
     *     the race is an answer, not an error
     * @throws NullPointerException if {@code maxWait} is null
     * @throws IllegalArgumentException if {@code maxWait} is negative
     * @throws InterruptedException if interrupted while waiting; the request is withdrawn first
     * @throws LockException if the backend fails, or the client is closed
     */
    Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException;

    /**
     * Asks for the lock without blocking the caller. No thread is parked while the request waits:
     * a thousand pending requests cost a thousand small objects, not a thousand threads.
     *
     * <p>Cancelling the returned future withdraws the request. If the lock was granted at the same
     * moment, the grant is released, so a cancelled request never leaves the lock held.
     *
     * <p>The future is completed on the client's callback thread. Dependent stages that block
     * should use the {@code *Async} variants with an executor of their own.
     *
     * @return a future completed with the lease, or exceptionally with a {@link LockException}
     *     (backend failure, client closed)
     */
    CompletableFuture<Lease> acquireAsync();
}
