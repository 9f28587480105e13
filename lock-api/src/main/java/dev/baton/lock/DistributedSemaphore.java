package dev.baton.lock;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A named, cluster-wide counting semaphore: at most {@link #permits()} valid leases exist for the
 * name at any time, across all clients. Each lease is one permit, with its own fencing token and
 * {@link Lease#lost()}, owned by the object, not a thread.
 *
 * <pre>{@code
 * DistributedSemaphore slots = locks.semaphore("exports", 3);
 * try (Lease permit = slots.acquire()) {
 *     export(permit.fencingToken());
 * }
 * }</pre>
 *
 * <p><b>Guarantees.</b> Never more than {@code permits} valid leases. A crashed holder's permit
 * comes back by itself: with its ZooKeeper session, or when its Redis lease time runs out; it never
 * leaks. Fencing tokens come from one sequence per name, strictly increasing. Every client of a
 * name must agree on {@code permits}: a request from a client that disagrees with the permits of
 * the leases already held or queued fails with a {@link LockException} that says both numbers,
 * rather than admitting more holders than the others expect. (When nobody holds or waits for the
 * name, a new number may be chosen.)
 *
 * <p>Fairness: as for {@link DistributedLock}: ZooKeeper serves requests in queue order, Redis
 * whoever retries first after a release (waiters of one client in order).
 *
 * <p>Thread-safe: every call is an independent request.
 */
public interface DistributedSemaphore {

    /** The name this semaphore was obtained with, unencoded. */
    String name();

    /** How many leases may be valid at once. */
    int permits();

    /**
     * Waits for a permit.
     *
     * @return the lease for one permit
     * @throws InterruptedException if interrupted while waiting; the request is withdrawn first
     * @throws LockException if the backend fails, the client is closed, or another client uses this
     *     name with a different number of permits
     */
    Lease acquire() throws InterruptedException;

    /**
     * Tries for a permit, waiting at most {@code maxWait} ({@link Duration#ZERO}: one attempt).
     *
     * @return the lease, or empty if no permit came free in time
     * @throws NullPointerException if {@code maxWait} is null
     * @throws IllegalArgumentException if {@code maxWait} is negative
     * @throws InterruptedException if interrupted while waiting; the request is withdrawn first
     * @throws LockException as for {@link #acquire()}
     */
    Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException;

    /**
     * Asks for a permit without blocking; no thread is parked while the request waits. Cancelling
     * the future withdraws the request, and a grant that raced the cancel is released.
     *
     * @return a future of the lease, completed on the client's callback thread, or exceptionally
     *     with a {@link LockException}
     */
    CompletableFuture<Lease> acquireAsync();
}
