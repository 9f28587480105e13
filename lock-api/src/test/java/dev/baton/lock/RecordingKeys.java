package dev.baton.lock;

import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.ConfigKeySource;
import java.util.List;

/** Keys of a module that is not a backend; see {@link LockClientsTest}. */
public final class RecordingKeys implements ConfigKeySource {

    static final ConfigKey<Integer> OTHER = ConfigKey.integer("baton.other.size", 1, 10, 5, "Another module's key.");

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(OTHER);
    }
}
