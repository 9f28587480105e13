package dev.baton.spring.boot;

import dev.baton.lock.LockClients;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * The {@code baton.*} settings of the application, gathered from every Spring property source
 * ({@code application.properties}/YAML, environment variables, system properties, ...) in Spring's
 * order of precedence, and checked as {@link LockClients#open(Map)} checks them: the same keys as
 * everywhere else in Baton. An unknown key fails with the nearest known one ("did you mean").
 *
 * <p>Names are matched loosely, as Spring's relaxed binding does: {@code baton.zookeeper.session-timeout},
 * {@code baton.zookeeper.sessionTimeout} and {@code BATON_ZOOKEEPER_SESSION_TIMEOUT} are the same
 * key. The variables Baton's own command sets ({@link LockClients#RESERVED_VARIABLES}) are ignored.
 *
 * <p>Immutable and thread-safe.
 */
public final class BatonSettings {

    private final Map<String, String> values;

    private BatonSettings(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /**
     * Reads and checks the settings.
     *
     * @throws IllegalArgumentException naming the first unknown key (with the nearest known one) or
     *     malformed value
     */
    public static BatonSettings from(ConfigurableEnvironment environment) {
        Collection<ConfigKey<?>> known = LockClients.knownKeys();
        Map<String, String> byLooseName = new HashMap<>();
        for (ConfigKey<?> key : known) {
            byLooseName.put(loose(key.name()), key.name());
        }
        Map<String, String> values = new TreeMap<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (!(source instanceof EnumerablePropertySource<?> enumerable) || isAttachedView(source)) {
                continue;
            }
            for (String name : enumerable.getPropertyNames()) {
                boolean variable = name.startsWith("BATON_");
                if (!(variable || name.toLowerCase(Locale.ROOT).startsWith("baton."))
                        || LockClients.RESERVED_VARIABLES.contains(name)) {
                    continue;
                }
                String key = byLooseName.getOrDefault(loose(name), name);
                Object value = enumerable.getProperty(name);
                if (value != null && !values.containsKey(key)) {
                    values.put(key, environment.resolvePlaceholders(String.valueOf(value)));
                }
            }
        }
        BatonConfig.parse(values, known);
        return new BatonSettings(values);
    }

    /** The settings as {@code baton.*} keys and raw values, sorted by key. */
    public Map<String, String> asMap() {
        return values;
    }

    /** Whether {@code key} was set. */
    public boolean has(String key) {
        return values.containsKey(key);
    }

    /** The settings whose keys are among {@code keys}: for parts of Baton that accept fewer keys. */
    public Map<String, String> only(Collection<ConfigKey<?>> keys) {
        Map<String, String> subset = new TreeMap<>();
        for (ConfigKey<?> key : keys) {
            if (values.containsKey(key.name())) {
                subset.put(key.name(), values.get(key.name()));
            }
        }
        return subset;
    }

    /** Spring's relaxed form: case, dots, dashes and underscores do not matter. */
    private static String loose(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            if (c != '.' && c != '-' && c != '_') {
                out.append(Character.toLowerCase(c));
            }
        }
        return out.toString();
    }

    /** Spring Boot's "configurationProperties" source re-exposes all the others; reading it too would add nothing. */
    private static boolean isAttachedView(PropertySource<?> source) {
        return Objects.equals(source.getName(), "configurationProperties");
    }

    @Override
    public String toString() {
        return "BatonSettings" + values.keySet();
    }
}
