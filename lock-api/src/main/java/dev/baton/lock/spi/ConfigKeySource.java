package dev.baton.lock.spi;

import java.util.List;

/**
 * Declares configuration keys that belong to a Baton module other than a lock backend (the
 * transaction coordinator's {@code baton.txn.*}), so that one {@code baton.properties} file and one
 * set of {@code BATON_*} variables can configure everything: {@link dev.baton.lock.LockClients}
 * accepts these keys (and ignores them) instead of rejecting them as unknown. Found with
 * {@link java.util.ServiceLoader} under {@code META-INF/services/dev.baton.lock.spi.ConfigKeySource}.
 *
 * <p>Implementations must be stateless and have a public no-argument constructor.
 */
public interface ConfigKeySource {

    /** The keys this module reads. */
    List<ConfigKey<?>> configKeys();
}
