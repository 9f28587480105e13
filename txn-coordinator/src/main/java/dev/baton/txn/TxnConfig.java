package dev.baton.txn;

import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.zookeeper.ZooKeeperLockProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The configuration keys of the transaction coordinator. {@link TransactionCoordinator#open(Map)}
 * also reads the ZooKeeper backend's keys ({@code baton.zookeeper.connect},
 * {@code baton.zookeeper.session-timeout}, {@code baton.zookeeper.root},
 * {@code baton.zookeeper.auth}, {@code baton.zookeeper.tls.*}; see {@link ZooKeeperLockProvider}),
 * so one {@code baton.properties} serves both locks and transactions.
 *
 * <p>Stateless and thread-safe.
 */
public final class TxnConfig {

    /** How long a transaction waits for votes when {@link TransactionBuilder#timeout} is not called. */
    public static final ConfigKey<Duration> TIMEOUT = ConfigKey.duration("baton.txn.timeout", Duration.ofSeconds(30),
            "How long a transaction waits for every participant's vote before it aborts.");

    /** The coordinator's own keys. */
    public static final List<ConfigKey<?>> KEYS = List.of(TIMEOUT);

    private TxnConfig() {
    }

    /** Every key {@link TransactionCoordinator#open(Map)} accepts. */
    public static List<ConfigKey<?>> knownKeys() {
        List<ConfigKey<?>> known = new ArrayList<>(BatonConfig.COMMON_KEYS);
        known.addAll(new ZooKeeperLockProvider().configKeys());
        known.addAll(KEYS);
        return known;
    }

    /**
     * Validates a configuration.
     *
     * @throws IllegalArgumentException naming the first unknown key or malformed value, or a missing
     *     {@code baton.zookeeper.connect}
     */
    public static BatonConfig parse(Map<String, String> raw) {
        BatonConfig config = BatonConfig.parse(raw, knownKeys());
        config.require(ZooKeeperLockProvider.CONNECT);
        return config;
    }
}
