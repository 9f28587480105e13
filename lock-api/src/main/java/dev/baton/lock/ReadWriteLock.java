package dev.baton.lock;

/**
 * A named lock that many readers may hold at once, or one writer alone.
 *
 * <pre>{@code
 * ReadWriteLock rw = locks.readWriteLock("catalog");
 * try (Lease read = rw.readLock().acquire()) {
 *     render(catalog.read(read.fencingToken()));
 * }
 * }</pre>
 *
 * <p><b>Guarantees</b>, on every backend:
 * <ul>
 *   <li>a valid write lease never coexists with any other valid lease (read or write) of the name;
 *   <li><em>writer-preferring</em>: once a writer waits, readers that ask after it do not get the
 *       lock before it (they wait behind it), so steady readers cannot starve a writer;
 *   <li>readers and writers draw their fencing tokens from <em>one</em> sequence per name: every
 *       lease's token is strictly greater than every token handed out earlier for the name, read
 *       or write, so a resource can refuse a stale reader's write as well as a stale writer's.
 * </ul>
 *
 * <p><b>What "fair" means per backend.</b> ZooKeeper keeps one queue per name: requests are served
 * in the order they reached the server, a reader joins the readers ahead of it unless a writer is
 * queued before it, and a writer waits for everything queued before it. Redis keeps no queue: a
 * waiting writer registers its intent, which stops new readers until it has had the lock (or
 * withdrawn, or its intent expired after one lease time with no retry); among writers, and among
 * readers, whoever retries first after a release wins, with waiters of one client served in order.
 *
 * <p>Both locks are handles: cheap, and they do not talk to the backend until asked for a lease.
 * Neither is reentrant, and a read lease cannot be upgraded to a write lease (a holder that asks
 * for the write lock waits for its own read lease). Thread-safe.
 */
public interface ReadWriteLock {

    /** The name this lock was obtained with, unencoded. */
    String name();

    /**
     * The shared side: its leases coexist with each other, never with a write lease. Its
     * {@link DistributedLock#name()} and its leases' {@link Lease#lockName()} are {@link #name()}.
     */
    DistributedLock readLock();

    /** The exclusive side: its leases coexist with no other lease of this name. */
    DistributedLock writeLock();
}
