package dev.baton.lock;

import java.util.List;

/**
 * Several named locks taken as one ({@link LockClient#lockAll}): a lease from it holds every one
 * of them. The locks are always acquired in one canonical order (the names sorted by
 * {@link String#compareTo}), whatever order the caller gave, so two callers that lock overlapping
 * sets can never deadlock each other.
 *
 * <p>The lease it grants is one {@link Lease} for all parts:
 * <ul>
 *   <li>{@link Lease#fencingToken(String)} gives each part's own token, which is what each
 *       resource should be given; {@link Lease#fencingToken()} is the greatest of them (it grows
 *       from one lease of the same set to the next, but a resource guarded by one part should be
 *       given that part's token);
 *   <li>{@link Lease#lockName()} is {@link #names()} as a list ({@code [a, b]});
 *   <li>{@link Lease#isValid()} is true while every part is valid; {@link Lease#lost()} completes
 *       with the first part's loss, and the other parts are then released;
 *   <li>{@link Lease#release()} releases every part, in reverse order.
 * </ul>
 * Waiting ({@code acquire}, {@code tryAcquire}) takes the parts one at a time: while it waits for a
 * later part it holds the earlier ones, and a request that fails, times out or is cancelled
 * releases what it took. A {@code tryAcquire(ZERO)} makes one attempt per part.
 *
 * <p>Thread-safe, like every lock handle.
 */
public interface MultiLock extends DistributedLock {

    /** The names, in the canonical order in which they are acquired. */
    List<String> names();
}
