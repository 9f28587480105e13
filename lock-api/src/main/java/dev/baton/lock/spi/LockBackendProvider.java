package dev.baton.lock.spi;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockListener;
import java.util.List;

/**
 * A lock backend, found with {@link java.util.ServiceLoader}: a backend jar lists its provider in
 * {@code META-INF/services/dev.baton.lock.spi.LockBackendProvider}, and a user selects it with
 * {@code baton.backend=<name>}.
 *
 * <p>Implementations must be stateless and have a public no-argument constructor.
 */
public interface LockBackendProvider {

    /** The value of {@code baton.backend} that selects this provider: lower case, such as {@code zookeeper}. */
    String name();

    /**
     * The configuration keys this backend reads, all under {@code baton.<name>.}. Keys that no
     * installed provider declares are rejected at open.
     */
    List<ConfigKey<?>> configKeys();

    /**
     * Connects. The configuration has been validated against {@link #configKeys()} and
     * {@link BatonConfig#COMMON_KEYS}; this method checks what depends on combinations of keys.
     *
     * @throws IllegalArgumentException if a required key is missing or keys contradict each other
     * @throws dev.baton.lock.LockException if the backend cannot be reached within its connection
     *     timeout; nothing is left open in that case
     */
    LockClient open(BatonConfig config);

    /**
     * Connects, reporting to {@code listener} the events only the backend sees (Redis lease
     * renewals, ZooKeeper connection states). Requests and leases are reported by a wrapper that
     * {@link dev.baton.lock.LockClients} puts around the client returned, so a backend does not
     * report those. The default ignores the listener.
     *
     * @param listener never null; {@link LockListener#NONE} when nobody listens. It never throws.
     * @throws IllegalArgumentException as for {@link #open(BatonConfig)}
     * @throws dev.baton.lock.LockException as for {@link #open(BatonConfig)}
     */
    default LockClient open(BatonConfig config, LockListener listener) {
        return open(config);
    }
}
