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

    /** The backend's name, as given in {@code baton.backend}: {@code zookeeper}, {@code redis}, ... */
    String backend();

    /**
     * Closes the connection. Every lease still held by this client is released and its
     * {@link Lease#lost()} completes with {@link LossReason#CLIENT_CLOSED}; every pending acquire
     * fails with a {@link LockException}. Idempotent; never throws.
     */
    @Override
    void close();
}
