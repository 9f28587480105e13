package dev.baton.cli;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.txn.TxnConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Option;

/**
 * Where the {@code baton.*} configuration of a command comes from, lowest precedence first: the
 * environment ({@code BATON_CONFIG_FILE} or {@code ./baton.properties}, then {@code BATON_*}
 * variables), then {@code --config FILE}, then {@code -D key=value} and the shortcut flags.
 */
final class ConnectionOptions {

    @Option(names = "--config", paramLabel = "FILE", description = "A properties file of baton.* keys.")
    Path configFile;

    @Option(names = {"-D", "--set"}, paramLabel = "KEY=VALUE", description = "Set any baton.* key, e.g. "
            + "-D baton.zookeeper.session-timeout=10s.")
    Map<String, String> settings = new LinkedHashMap<>();

    @Option(names = "--backend", paramLabel = "NAME", description = "Lock backend: zookeeper, redis or redisson.")
    String backend;

    @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,...]", description = "Shortcut for "
            + "baton.zookeeper.connect (and baton.backend=zookeeper when no backend is set).")
    String zookeeper;

    @Option(names = "--redis", paramLabel = "URI", description = "Shortcut for baton.redis.uri "
            + "(and baton.backend=redis when no backend is set).")
    String redis;

    /** The merged configuration, given the process's environment and working directory. */
    Map<String, String> resolve(Map<String, String> environment, Path workingDirectory) {
        Map<String, String> config = new TreeMap<>(LockClients.environmentConfig(environment, workingDirectory));
        if (configFile != null) {
            if (!Files.isRegularFile(configFile)) {
                throw new IllegalArgumentException("--config " + configFile + ": no such file");
            }
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(configFile)) {
                properties.load(reader);
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--config " + configFile + ": " + e.getMessage(), e);
            }
            properties.stringPropertyNames().forEach(key -> config.put(key, properties.getProperty(key)));
        }
        config.putAll(settings);
        if (zookeeper != null) {
            config.put("baton.zookeeper.connect", zookeeper);
        }
        if (redis != null) {
            config.put("baton.redis.uri", redis);
        }
        if (backend != null) {
            config.put("baton.backend", backend);
        } else if (!config.containsKey("baton.backend")) {
            if (zookeeper != null && redis == null) {
                config.put("baton.backend", "zookeeper");
            } else if (redis != null && zookeeper == null) {
                config.put("baton.backend", "redis");
            }
        }
        return config;
    }

    /**
     * The merged configuration for a transaction coordinator: every key is checked as for a lock
     * client (a typo still fails, naming the key), then only the keys the coordinator reads are kept,
     * so that one baton.properties with lock settings for Redis also serves {@code baton txn}.
     */
    Map<String, String> resolveForTransactions() {
        Map<String, String> config = resolve(System.getenv(), Path.of(""));
        BatonConfig.parse(config, LockClients.knownKeys());
        Set<String> read = TxnConfig.knownKeys().stream().map(ConfigKey::name).collect(Collectors.toSet());
        config.keySet().retainAll(read);
        config.remove("baton.backend");
        return config;
    }

    /** Opens a lock client from the merged configuration. */
    LockClient open() {
        return LockClients.open(resolve(System.getenv(), Path.of("")));
    }
}
