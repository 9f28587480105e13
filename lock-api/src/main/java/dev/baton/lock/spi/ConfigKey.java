package dev.baton.lock.spi;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A configuration key: its name, what values it accepts, and its default. Backends declare theirs
 * through {@link LockBackendProvider#configKeys()}, so that {@link dev.baton.lock.LockClients} can
 * reject unknown keys and malformed values before anything connects.
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the parsed type
 */
public final class ConfigKey<T> {

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");

    private final String name;
    private final String accepted;
    private final String description;
    private final Function<String, T> parser;
    private final @Nullable T defaultValue;

    private ConfigKey(String name, String accepted, String description, Function<String, T> parser, @Nullable T defaultValue) {
        if (!name.matches("baton(\\.[a-z0-9]+(-[a-z0-9]+)*)+")) {
            throw new IllegalArgumentException("configuration key names are baton.lower-case.words: " + name);
        }
        this.name = name;
        this.accepted = Objects.requireNonNull(accepted, "accepted");
        this.description = Objects.requireNonNull(description, "description");
        this.parser = Objects.requireNonNull(parser, "parser");
        this.defaultValue = defaultValue;
    }

    /** A free-form string; {@code defaultValue} null makes the key optional with no default. */
    public static ConfigKey<String> string(String name, @Nullable String defaultValue, String description) {
        return new ConfigKey<>(name, "a string", description, raw -> {
            if (raw.isBlank()) {
                throw new IllegalArgumentException("must not be blank");
            }
            return raw.trim();
        }, defaultValue);
    }

    /** A secret string: like {@link #string} but never echoed back in error messages. */
    public static ConfigKey<String> secret(String name, String description) {
        return new ConfigKey<>(name, "a string (not shown)", description, raw -> {
            if (raw.isEmpty()) {
                throw new IllegalArgumentException("must not be empty");
            }
            return raw;
        }, null);
    }

    /**
     * A strictly positive duration written as {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h} or
     * ISO-8601 ({@code PT30S}).
     */
    public static ConfigKey<Duration> duration(String name, @Nullable Duration defaultValue, String description) {
        return new ConfigKey<>(name, "a positive duration such as 250ms, 30s, 5m, 1h or PT30S", description,
                ConfigKey::parseDuration, defaultValue);
    }

    /** {@code true} or {@code false}, ignoring case. */
    public static ConfigKey<Boolean> bool(String name, boolean defaultValue, String description) {
        return new ConfigKey<>(name, "true or false", description, raw -> {
            switch (raw.trim().toLowerCase(Locale.ROOT)) {
                case "true": return Boolean.TRUE;
                case "false": return Boolean.FALSE;
                default: throw new IllegalArgumentException("is neither true nor false");
            }
        }, defaultValue);
    }

    /** An integer in {@code [min, max]}. */
    public static ConfigKey<Integer> integer(String name, int min, int max, @Nullable Integer defaultValue, String description) {
        return new ConfigKey<>(name, "an integer from " + min + " to " + max, description, raw -> {
            int value;
            try {
                value = Integer.parseInt(raw.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("is not an integer");
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("is out of range");
            }
            return value;
        }, defaultValue);
    }

    /** One of a fixed set of words, mapped to values; the words are matched ignoring case. */
    public static <V> ConfigKey<V> choice(String name, Map<String, V> choices, @Nullable V defaultValue, String description) {
        Map<String, V> copy = Map.copyOf(choices);
        String accepted = "one of " + String.join(", ", new java.util.TreeSet<>(copy.keySet()));
        return new ConfigKey<>(name, accepted, description, raw -> {
            V value = copy.get(raw.trim().toLowerCase(Locale.ROOT));
            if (value == null) {
                throw new IllegalArgumentException("is not accepted");
            }
            return value;
        }, defaultValue);
    }

    /**
     * A key of any type, for modules whose values fit none of the other factories.
     *
     * @param accepted what values are accepted, in words, for messages ("a number, or empty")
     * @param parser turns a raw value into the value; throws {@link IllegalArgumentException} with a
     *     short reason ("is not a number") for a malformed one
     * @param defaultValue the default, or null for none
     */
    public static <V> ConfigKey<V> of(String name, String accepted, String description, Function<String, V> parser,
            V defaultValue) {
        return new ConfigKey<>(name, accepted, description, parser, defaultValue);
    }

    /** The key, such as {@code baton.zookeeper.connect}. */
    public String name() {
        return name;
    }

    /** The environment variable that sets this key: {@code BATON_ZOOKEEPER_SESSION_TIMEOUT}. */
    public String environmentVariable() {
        return name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** What values are accepted, in words, for error messages and documentation. */
    public String accepted() {
        return accepted;
    }

    /** One sentence for the reference documentation. */
    public String description() {
        return description;
    }

    /** The default, or null if the key has none. */
    public @Nullable T defaultValue() {
        return defaultValue;
    }

    /** Whether values of this key must not appear in messages. */
    public boolean isSecret() {
        return accepted.endsWith("(not shown)");
    }

    /**
     * Parses a raw value.
     *
     * @throws IllegalArgumentException naming the key, the value (unless secret) and what is accepted
     */
    public T parse(String raw) {
        Objects.requireNonNull(raw, name);
        try {
            return parser.apply(raw);
        } catch (IllegalArgumentException e) {
            String shown = isSecret() ? "(hidden)" : "'" + raw + "'";
            throw new IllegalArgumentException("configuration key " + name + " has a malformed value " + shown + ": it "
                    + e.getMessage() + "; expected " + accepted, e);
        }
    }

    private static Duration parseDuration(String raw) {
        String text = raw.trim();
        Duration value;
        Matcher m = DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long amount;
            try {
                amount = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("is too large");
            }
            switch (m.group(2)) {
                case "ms": value = Duration.ofMillis(amount); break;
                case "s": value = Duration.ofSeconds(amount); break;
                case "m": value = Duration.ofMinutes(amount); break;
                default: value = Duration.ofHours(amount); break;
            }
        } else {
            try {
                value = Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("is not a duration");
            }
        }
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("is not positive");
        }
        return value;
    }

    @Override
    public String toString() {
        return name;
    }
}
