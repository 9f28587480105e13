package dev.baton.lock.testkit;

import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.ConfigKeySource;
import java.util.List;

/**
 * Declares {@value Timing#FACTOR_PROPERTY}, the test timing knob, as a Baton key: the build passes it
 * to every test JVM as a system property, and code that checks every {@code baton.*} property it
 * finds (the Spring Boot starter does) must not take it for a typo.
 */
public final class TimingConfigKeys implements ConfigKeySource {

    /** The factor every test timeout is scaled by; empty means the default. */
    public static final ConfigKey<String> FACTOR = ConfigKey.of(Timing.FACTOR_PROPERTY, "a positive number, or empty",
            "Factor that scales every timeout of Baton's tests.", raw -> {
                if (!raw.isBlank()) {
                    Timing.factorFrom(raw, null);
                }
                return raw.trim();
            }, "");

    /** For {@link java.util.ServiceLoader}. */
    public TimingConfigKeys() {
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return List.of(FACTOR);
    }
}
