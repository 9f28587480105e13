package dev.baton.lock;

import java.time.Duration;
import java.util.List;

/**
 * Implemented by {@link LockClient}s whose backend can list the locks held right now. Meant for
 * operators and tools, not for deciding who holds a lock: use {@link DistributedLock#tryAcquire}
 * for that.
 *
 * <p>Thread safety: implementations are safe for concurrent use.
 */
public interface LockInspection {

    /**
     * The locks currently held whose names start with {@code namePrefix}, sorted by name.
     *
     * @param namePrefix a prefix of the decoded names; empty for all
     * @throws NullPointerException if {@code namePrefix} is null
     * @throws LockException if the backend cannot be read
     */
    List<LockInfo> heldLocks(String namePrefix);

    /**
     * Checks that the backend answers, with one small request: for health checks. A ZooKeeper
     * client that is not connected (connection suspended, session lost) fails at once without
     * sending anything.
     *
     * @return how long the answer took
     * @throws LockException if the backend does not answer, or the client is not connected
     * @throws IllegalStateException if the client is closed
     * @throws UnsupportedOperationException if the backend cannot check (the default)
     */
    default Duration ping() {
        throw new UnsupportedOperationException(getClass().getName() + " cannot check its connection");
    }

    /**
     * The read-write locks, semaphores and elections held now whose names start with
     * {@code namePrefix}, sorted by kind and name. Backends that list none return an empty list.
     *
     * @param namePrefix a prefix of the decoded names; empty for all
     * @throws NullPointerException if {@code namePrefix} is null
     * @throws LockException if the backend cannot be read
     */
    default List<CoordinationInfo> coordination(String namePrefix) {
        java.util.Objects.requireNonNull(namePrefix, "namePrefix");
        return List.of();
    }
}
