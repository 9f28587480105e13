package dev.baton.lock;

import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.ConfigKeySource;
import dev.baton.lock.spi.LockBackendProvider;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

/**
 * Opens {@link LockClient}s. The backend is chosen by {@code baton.backend} among the
 * {@link LockBackendProvider}s on the class path; adding a backend jar and setting that key is all
 * it takes to switch.
 *
 * <p>Every key is validated before anything connects: an unknown key, a malformed value, a missing
 * required key or a backend that is not installed is an {@link IllegalArgumentException} whose
 * message names the key and what it accepts.
 *
 * <p>Thread safety: stateless; all methods may be called concurrently.
 */
public final class LockClients {

    /** Environment variable naming a properties file for {@link #fromEnvironment()}. */
    public static final String CONFIG_FILE_VARIABLE = "BATON_CONFIG_FILE";

    /** The file {@link #fromEnvironment()} reads from the working directory when present. */
    public static final String DEFAULT_CONFIG_FILE = "baton.properties";

    /**
     * {@code BATON_*} environment variables that are not configuration keys: Baton's own command
     * sets them for the programs it runs ({@code baton lock}: the token and the lock's name;
     * {@code baton elect}: the leadership's term and the election's name), and those programs may
     * open a client themselves.
     */
    public static final Set<String> RESERVED_VARIABLES = Set.of(CONFIG_FILE_VARIABLE, "BATON_FENCING_TOKEN",
            "BATON_LOCK_NAME", "BATON_LEADER_TERM", "BATON_ELECTION", "BATON_OPTS");

    private LockClients() {
    }

    /**
     * Opens a client from configuration keys such as {@code baton.backend} and
     * {@code baton.zookeeper.connect}.
     *
     * @throws NullPointerException if {@code config} is null
     * @throws IllegalArgumentException if a key is unknown, a value malformed, a required key missing,
     *     or {@code baton.backend} names no installed backend
     * @throws LockException if the backend cannot be reached
     */
    public static LockClient open(Map<String, String> config) {
        return open(config, LockListener.NONE);
    }

    /**
     * Opens a client, as {@link #open(Map)} does, whose requests, leases and backend events are
     * reported to {@code listener} (for metrics: see {@link LockListener}). With
     * {@link LockListener#NONE} this is {@link #open(Map)}.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException as for {@link #open(Map)}
     * @throws LockException if the backend cannot be reached
     */
    public static LockClient open(Map<String, String> config, LockListener listener) {
        Objects.requireNonNull(config, "config");
        LockListener safe = SafeListener.of(listener);
        List<LockBackendProvider> providers = providers();
        BatonConfig parsed = BatonConfig.parse(config, knownKeys(providers));
        String backend = parsed.require(BatonConfig.BACKEND);
        for (LockBackendProvider provider : providers) {
            if (provider.name().equalsIgnoreCase(backend)) {
                return ObservedLockClient.of(provider.open(parsed, safe), safe);
            }
        }
        List<String> names = new ArrayList<>();
        providers.forEach(p -> names.add(p.name()));
        throw new IllegalArgumentException("configuration key baton.backend is '" + backend
                + "', but no such backend is on the class path; installed: "
                + (names.isEmpty() ? "none (add baton-zk or baton-redis)" : String.join(", ", names)));
    }

    /**
     * Opens a client from {@link Properties}; only string keys and values are read.
     *
     * @see #open(Map)
     */
    public static LockClient open(Properties properties) {
        Objects.requireNonNull(properties, "properties");
        Map<String, String> map = new HashMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        return open(map);
    }

    /**
     * Opens a client from a properties file.
     *
     * @throws IllegalArgumentException if the file cannot be read, or as for {@link #open(Map)}
     */
    public static LockClient open(Path propertiesFile) {
        return open(readFile(Objects.requireNonNull(propertiesFile, "propertiesFile")));
    }

    /**
     * Opens a client configured by the process's surroundings: the properties file named by
     * {@code BATON_CONFIG_FILE}, or else {@code baton.properties} in the working directory if there
     * is one; then {@code BATON_*} environment variables, which override the file. A variable's name
     * is its key in upper case with '.' and '-' as '_': {@code BATON_ZOOKEEPER_CONNECT}.
     *
     * @throws IllegalArgumentException for an unknown {@code BATON_*} variable (other than
     *     {@link #RESERVED_VARIABLES}), or as for {@link #open(Map)}
     */
    public static LockClient fromEnvironment() {
        return open(environmentConfig(System.getenv(), Path.of("")));
    }

    /**
     * The configuration {@link #fromEnvironment()} would use, given an environment and a working
     * directory. Public so that tools built on Baton can show it.
     */
    public static Map<String, String> environmentConfig(Map<String, String> environment, Path workingDirectory) {
        Map<String, String> config = new TreeMap<>();
        String named = environment.get(CONFIG_FILE_VARIABLE);
        if (named != null) {
            config.putAll(readFile(Path.of(named)));
        } else {
            Path local = workingDirectory.resolve(DEFAULT_CONFIG_FILE);
            if (Files.isRegularFile(local)) {
                config.putAll(readFile(local));
            }
        }
        Map<String, String> keyByVariable = new HashMap<>();
        for (ConfigKey<?> key : knownKeys(providers())) {
            keyByVariable.put(key.environmentVariable(), key.name());
        }
        for (Map.Entry<String, String> entry : new TreeMap<>(environment).entrySet()) {
            String variable = entry.getKey();
            if (!variable.startsWith("BATON_") || RESERVED_VARIABLES.contains(variable)) {
                continue;
            }
            String key = keyByVariable.get(variable);
            if (key == null) {
                throw new IllegalArgumentException("unknown environment variable " + variable
                        + ": it matches no configuration key; known: "
                        + String.join(", ", new TreeMap<>(keyByVariable).keySet()));
            }
            config.put(key, entry.getValue());
        }
        return config;
    }

    private static Map<String, String> readFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("cannot read Baton configuration file " + file.toAbsolutePath()
                    + ": " + e.getMessage(), e);
        }
        Map<String, String> map = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            map.put(name, properties.getProperty(name));
        }
        return map;
    }

    /**
     * Every configuration key Baton knows on this class path: the common keys, every installed
     * backend's, and every {@link ConfigKeySource}'s. For tools that gather {@code baton.*} settings
     * from elsewhere (the Spring Boot starter) and check them as {@link #open(Map)} would.
     */
    public static List<ConfigKey<?>> knownKeys() {
        return List.copyOf(knownKeys(providers()));
    }

    /**
     * Wraps a client built some other way (for instance {@code ZooKeeperLockClient.wrap} on the
     * application's own Curator client) so that its requests and leases are reported to
     * {@code listener}. Backend events (renewals, connection states) are reported only for clients
     * opened with {@link #open(Map, LockListener)}. Closing the result closes {@code client}.
     *
     * @return {@code client} itself if {@code listener} is {@link LockListener#NONE}
     * @throws NullPointerException if an argument is null
     */
    public static LockClient observe(LockClient client, LockListener listener) {
        return ObservedLockClient.of(Objects.requireNonNull(client, "client"), listener);
    }

    /**
     * The backend's own client inside {@code client}, if it is of {@code type}: a client opened with
     * a {@link LockListener} is a wrapper around it.
     *
     * @return the client as {@code type}, or empty if it is not one
     * @throws NullPointerException if an argument is null
     */
    public static <T> Optional<T> unwrap(LockClient client, Class<T> type) {
        Objects.requireNonNull(type, "type");
        LockClient inner = Objects.requireNonNull(client, "client");
        while (!type.isInstance(inner) && inner instanceof ObservedLockClient) {
            inner = ((ObservedLockClient) inner).delegate;
        }
        return type.isInstance(inner) ? Optional.of(type.cast(inner)) : Optional.empty();
    }

    /**
     * Every key Baton knows on this class path: the common keys, every backend provider's, and
     * every {@link ConfigKeySource}'s.
     */
    private static List<ConfigKey<?>> knownKeys(List<LockBackendProvider> providers) {
        List<ConfigKey<?>> known = new ArrayList<>(BatonConfig.COMMON_KEYS);
        for (LockBackendProvider provider : providers) {
            known.addAll(provider.configKeys());
        }
        ServiceLoader.load(ConfigKeySource.class, LockClients.class.getClassLoader())
                .forEach(source -> known.addAll(source.configKeys()));
        return known;
    }

    private static List<LockBackendProvider> providers() {
        List<LockBackendProvider> providers = new ArrayList<>();
        ServiceLoader.load(LockBackendProvider.class, LockClients.class.getClassLoader()).forEach(providers::add);
        return providers;
    }
}
