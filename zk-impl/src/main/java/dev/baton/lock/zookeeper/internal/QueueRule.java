package dev.baton.lock.zookeeper.internal;

import java.util.List;

/**
 * The rule of one kind of lock, apart from the loop that waits for it (as Curator's
 * {@code LockInternalsDriver} is apart from {@code LockInternals}): given a lock's queue as one
 * read saw it, does our node hold the lock, and if not, whose node do we watch? A pure function,
 * tested without a server; the engine ({@link AcquireAttempt}) does the I/O.
 *
 * <p>A recipe plugs in its own rule: a mutex ({@link ExclusiveRule}), a semaphore of N permits (the
 * first N hold; a waiter watches the node N places before it), a read-write lock (a reader holds
 * unless a writer is before it and watches the last such writer; a writer holds only at the head),
 * leader election (the head leads). A recipe that needs to tell its nodes apart (readers from
 * writers) marks them in the attempt id's tag ({@link QueueNode#tagOf}).
 *
 * <p>Every rule must be <em>monotonic</em>: a node that holds keeps holding when nodes before it
 * leave, and nodes only ever join behind ours. The engine relies on that for its shortcuts
 * ({@link QueuePosition#holdsOnceWatchedGone()}, {@link QueuePosition#holdsOnceWatchedReleased()}).
 *
 * <p>Implementations must be stateless and thread-safe.
 */
@FunctionalInterface
public interface QueueRule {

    /**
     * Where our node stands.
     *
     * @param queue the lock's queue nodes (names, not paths), first to last, foreign children left out
     * @param mine the index of our node in {@code queue}
     * @return whether it holds, or whom it watches
     */
    QueuePosition position(List<String> queue, int mine);

    /**
     * Whether a waiter must hear of every change of the queue rather than of one node's deletion:
     * true for a rule under which any of several nodes leaving can make it hold (a semaphore's
     * first waiter holds once <em>any</em> holder leaves, in whatever order they leave). The
     * engine then reads such queues with a children watch, one per client and queue, and a waiter
     * reads the queue again whenever it fires; the node named by {@link QueuePosition#watch()} is
     * not watched.
     */
    default boolean watchesQueue() {
        return false;
    }
}
