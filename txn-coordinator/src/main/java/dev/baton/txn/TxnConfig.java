package dev.baton.txn;

import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.zookeeper.ZooKeeperLockProvider;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.participant.ParticipantHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The configuration keys of the transaction coordinator and participant hosts.
 * {@link TransactionCoordinator#open(Map)} and {@link ParticipantHost#builder(Map)} also read the
 * ZooKeeper backend's keys ({@code baton.zookeeper.connect},
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

    /** How many outcomes of finished transactions the history keeps ({@link TransactionCoordinator.Builder#historySize}). */
    public static final ConfigKey<Integer> HISTORY_SIZE = ConfigKey.integer("baton.txn.history-size", 0,
            TxnHistory.MAX_SIZE, TxnHistory.DEFAULT_SIZE,
            "How many outcomes of finished transactions are kept for inspection (0 to 10000).");

    /** A participant host's {@link ParticipantHost.Builder#abortGrace}. */
    public static final ConfigKey<Duration> ABORT_GRACE = ConfigKey.duration("baton.txn.abort-grace",
            ParticipantHost.DEFAULT_ABORT_GRACE,
            "How long past a transaction's deadline a participant that voted YES waits for the decision before"
                    + " deciding ABORT itself.");

    /** A participant host's {@link ParticipantHost.Builder#threads}. */
    public static final ConfigKey<Integer> PARTICIPANT_THREADS = ConfigKey.integer("baton.txn.participant-threads",
            1, 256, ParticipantHost.DEFAULT_THREADS, "How many threads a participant host calls its participants on.");

    /** The transaction keys: the coordinator's and the participant host's. */
    public static final List<ConfigKey<?>> KEYS = List.of(TIMEOUT, HISTORY_SIZE, ABORT_GRACE, PARTICIPANT_THREADS);

    private TxnConfig() {
    }

    /** Every key {@link TransactionCoordinator#open(Map)} and {@link ParticipantHost#builder(Map)} accept. */
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
