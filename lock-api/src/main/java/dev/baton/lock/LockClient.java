package dev.baton.lock;

/**
 * One connection to a lock backend: a ZooKeeper session, or a Redis connection pool with its
 * subscription. All locks obtained from one client share that connection.
 *
 * <p>Open one with {@link LockClients#open(java.util.Map)}; the backend is chosen by the
 * {@code baton.backend} configuration key, never by code.
 *
 * <p>Thread safety: a client is safe for concurrent use by any number of threads. Open one per
 * process (or per backend) and share it; each client costs a session on the server.
 */
public interface LockClient extends AutoCloseable {

    /**
     * Returns the lock of the given name. This is cheap and does not talk to the backend: the
     * returned object is a handle, and two handles for the same name (from any client, in any
     * process) name the same lock.
     *
     * @param name any non-empty string of at most {@link LockNames#MAX_LENGTH} code points,
     *     including '/' and any unicode; it is encoded so that it can never address anything outside
     *     the backend's lock namespace
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is empty, too long, or not well-formed UTF-16
     * @throws IllegalStateException if this client is closed
     */
    DistributedLock lock(String name);

    /**
     * Returns the read-write lock of the given name: a handle, as for {@link #lock}. Its names are a
     * namespace of their own: {@code readWriteLock("x")} and {@code lock("x")} are different locks.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} breaks the rules of {@link #lock}
     * @throws IllegalStateException if this client is closed
     * @throws UnsupportedOperationException if the backend has no read-write locks (every backend
     *     shipped with Baton has)
     */
    default ReadWriteLock readWriteLock(String name) {
        throw unsupported("read-write locks");
    }

    /**
     * Returns the semaphore of the given name with {@code permits} permits: a handle, as for
     * {@link #lock}; semaphores have a namespace of their own. Every client of a name must use the
     * same number of permits; a request that disagrees with the holders fails (see
     * {@link DistributedSemaphore}).
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} breaks the rules of {@link #lock}, or
     *     {@code permits} is less than 1
     * @throws IllegalStateException if this client is closed
     * @throws UnsupportedOperationException if the backend has no semaphores
     */
    default DistributedSemaphore semaphore(String name, int permits) {
        throw unsupported("semaphores");
    }

    /**
     * Returns the leader election of the given name: a handle, as for {@link #lock}; elections have
     * a namespace of their own.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} breaks the rules of {@link #lock}
     * @throws IllegalStateException if this client is closed
     * @throws UnsupportedOperationException if the backend has no elections
     */
    default LeaderElection election(String name) {
        throw unsupported("leader elections");
    }

    /**
     * Returns one lock over the plain locks ({@link #lock}) of all {@code names}, acquired in a
     * canonical order so that two callers can never deadlock; see {@link MultiLock}. Every name is
     * checked before anything is sent.
     *
     * @throws NullPointerException if {@code names} or any name in it is null
     * @throws IllegalArgumentException if {@code names} is empty, has a name twice, or has a name
     *     that breaks the rules of {@link #lock}
     * @throws IllegalStateException if this client is closed
     */
    default MultiLock lockAll(java.util.Collection<String> names) {
        return AllLocks.of(this, names);
    }

    /** The backend's name, as given in {@code baton.backend}: {@code zookeeper}, {@code redis}, ... */
    String backend();

    /**
     * Closes the connection. Every lease still held by this client is released and its
     * {@link Lease#lost()} completes with {@link LossReason#CLIENT_CLOSED}; every pending acquire
     * fails with a {@link LockException}. Idempotent; never throws.
     */
    @Override
    void close();

    private UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException("the " + backend() + " backend does not provide " + what);
    }
}
