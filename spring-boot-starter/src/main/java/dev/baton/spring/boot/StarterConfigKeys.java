package dev.baton.spring.boot;

import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.ConfigKeySource;
import java.util.List;
import java.util.Map;

/**
 * The keys only the Spring Boot starter reads, declared so that Baton accepts them in the same
 * {@code baton.*} namespace as every other key.
 */
public final class StarterConfigKeys implements ConfigKeySource {

    /** Whether lock meters carry the lock's name: none (default), prefix (up to the first '/'), full. */
    public static final ConfigKey<String> LOCK_NAME_TAG = ConfigKey.choice("baton.metrics.lock-name-tag",
            Map.of("none", "NONE", "prefix", "PREFIX", "full", "FULL"), "NONE",
            "Whether lock meters get a 'lock' tag: none, prefix (the name up to its first '/') or full"
                    + " (one set of meters per lock name).");

    /** For {@link java.util.ServiceLoader}. */
    public StarterConfigKeys() {
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(LOCK_NAME_TAG);
    }
}
