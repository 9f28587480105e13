package dev.baton.lock.spi;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * A validated configuration: every key in it is known, and every value parsed. Backends read their
 * settings from it with {@link #get(ConfigKey)}.
 *
 * <p>Immutable and thread-safe.
 */
public final class BatonConfig {

    /** Which backend to use: the {@link LockBackendProvider#name()} of an installed provider. */
    public static final ConfigKey<String> BACKEND = ConfigKey.string("baton.backend", null,
            "Which lock backend to use: zookeeper, redis or redisson (any installed provider's name).");

    /**
     * How long a lease lives on a backend that gives leases a time-to-live (Redis) if its holder
     * stops renewing it. ZooKeeper ties leases to the session instead and ignores this key.
     */
    public static final ConfigKey<Duration> LEASE_TIME = ConfigKey.duration("baton.lock.lease-time",
            Duration.ofSeconds(30), "How long a lease outlives its holder's last renewal (Redis backends).");

    /** The keys every configuration may hold, whatever the backend. */
    public static final List<ConfigKey<?>> COMMON_KEYS = List.of(BACKEND, LEASE_TIME);

    private final Map<String, Object> values;
    private final Map<String, String> raw;

    private BatonConfig(Map<String, Object> values, Map<String, String> raw) {
        this.values = values;
        this.raw = raw;
    }

    /**
     * Validates raw values against the known keys.
     *
     * @throws IllegalArgumentException for the first unknown key (with the nearest known key when
     *     one is close) or malformed value, naming it
     */
    public static BatonConfig parse(Map<String, String> raw, Collection<ConfigKey<?>> known) {
        Map<String, ConfigKey<?>> byName = new TreeMap<>();
        for (ConfigKey<?> key : known) {
            byName.put(key.name(), key);
        }
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> copy = new TreeMap<>(raw);
        for (Map.Entry<String, String> entry : copy.entrySet()) {
            ConfigKey<?> key = byName.get(entry.getKey());
            if (key == null) {
                throw new IllegalArgumentException(unknownKeyMessage(entry.getKey(), byName.keySet()));
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException("configuration key " + key.name() + " has no value; expected "
                        + key.accepted());
            }
            values.put(key.name(), key.parse(entry.getValue()));
        }
        return new BatonConfig(Map.copyOf(values), Map.copyOf(copy));
    }

    /** The value of {@code key}, or its default; null only if the key is absent and has no default. */
    public <T> @Nullable T get(ConfigKey<T> key) {
        @SuppressWarnings("unchecked")
        T value = (T) values.get(key.name());
        return value != null ? value : key.defaultValue();
    }

    /** The value of {@code key} if it was set, ignoring defaults. */
    public <T> Optional<T> find(ConfigKey<T> key) {
        @SuppressWarnings("unchecked")
        T value = (T) values.get(key.name());
        return Optional.ofNullable(value);
    }

    /**
     * The value of a key the backend cannot work without.
     *
     * @throws IllegalArgumentException naming the key when it is absent and has no default
     */
    public <T> T require(ConfigKey<T> key) {
        T value = get(key);
        if (value == null) {
            throw new IllegalArgumentException("configuration key " + key.name() + " is required: " + key.description()
                    + " Expected " + key.accepted() + "; set it in the properties, as the environment variable "
                    + key.environmentVariable() + ", or in baton.properties");
        }
        return value;
    }

    /** Whether {@code key} was set explicitly. */
    public boolean isSet(ConfigKey<?> key) {
        return values.containsKey(key.name());
    }

    /** The keys that were set, sorted, with secrets masked: for logs and error messages. */
    public String describe(Collection<ConfigKey<?>> known) {
        Map<String, String> shown = new TreeMap<>(raw);
        for (ConfigKey<?> key : known) {
            if (key.isSecret() && shown.containsKey(key.name())) {
                shown.put(key.name(), "****");
            }
        }
        return shown.toString();
    }

    private static String unknownKeyMessage(String key, Collection<String> known) {
        String nearest = null;
        int best = Integer.MAX_VALUE;
        for (String candidate : known) {
            int distance = editDistance(key, candidate);
            if (distance < best) {
                best = distance;
                nearest = candidate;
            }
        }
        StringBuilder message = new StringBuilder("unknown configuration key '").append(key).append('\'');
        if (nearest != null && best <= Math.max(2, key.length() / 5)) {
            message.append("; did you mean '").append(nearest).append("'?");
        }
        message.append(" Known keys: ").append(String.join(", ", known));
        return message.toString();
    }

    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
