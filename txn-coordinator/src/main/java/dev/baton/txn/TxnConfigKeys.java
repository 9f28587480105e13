package dev.baton.txn;

import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.ConfigKeySource;
import java.util.List;

/**
 * Tells {@link dev.baton.lock.LockClients} about the {@code baton.txn.*} keys, so that one
 * configuration file or environment can hold the lock and the coordinator settings together.
 * For {@link java.util.ServiceLoader}; not for direct use.
 */
public final class TxnConfigKeys implements ConfigKeySource {

    /** For {@link java.util.ServiceLoader}. */
    public TxnConfigKeys() {
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return TxnConfig.KEYS;
    }
}
