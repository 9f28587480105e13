package dev.baton.lock.zookeeper;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockListener;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.LockBackendProvider;
import dev.baton.lock.zookeeper.internal.ZooKeeperConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The ZooKeeper backend ({@code baton.backend=zookeeper}), found by {@link java.util.ServiceLoader}.
 * It opens one Curator client, hence one ZooKeeper session, per {@link LockClient}.
 *
 * <p>Stateless and thread-safe.
 */
public final class ZooKeeperLockProvider implements LockBackendProvider {

    /** The ensemble: {@code host:port[,host:port...][/chroot]}. Required. */
    public static final ConfigKey<String> CONNECT = ConfigKey.string("baton.zookeeper.connect", null,
            "ZooKeeper ensemble, host:port[,host:port...][/chroot].");
    /** The session timeout the client asks for; the server may clamp it to its own bounds. */
    public static final ConfigKey<Duration> SESSION_TIMEOUT = ConfigKey.duration("baton.zookeeper.session-timeout",
            Duration.ofSeconds(20), "ZooKeeper session timeout: how long a silent client keeps its locks.");
    /** How long {@code open} waits for the first connection. */
    public static final ConfigKey<Duration> CONNECTION_TIMEOUT = ConfigKey.duration(
            "baton.zookeeper.connection-timeout", Duration.ofSeconds(10),
            "How long opening a client waits to connect before failing.");
    /** The root node of everything Baton writes. */
    public static final ConfigKey<String> ROOT = ConfigKey.string("baton.zookeeper.root",
            ZooKeeperLockOptions.DEFAULT_ROOT, "Root node under which Baton keeps its nodes.");
    /** When a lease counts as lost: see {@link LossPolicy}. */
    public static final ConfigKey<LossPolicy> LOST_ON = ConfigKey.choice("baton.zookeeper.lost-on",
            Map.of("suspended", LossPolicy.SUSPENDED, "session-lost", LossPolicy.SESSION_LOST), LossPolicy.SUSPENDED,
            "When a lease is lost: as soon as the connection is suspended, or only when the session is lost.");
    /**
     * Whether Curator's ensemble tracker may replace the configured connect string with the
     * client addresses the servers' configuration lists. Off by default: the configured string
     * (often a proxy, a port-forward or a service name) is the one the operator chose.
     */
    public static final ConfigKey<Boolean> ENSEMBLE_TRACKER = ConfigKey.bool("baton.zookeeper.ensemble-tracker", false,
            "Let Curator follow the ensemble's own list of client addresses instead of baton.zookeeper.connect.");
    /** Digest credentials; when set, Baton's nodes are writable only by clients with the same credentials. */
    public static final ConfigKey<String> AUTH = ConfigKey.secret("baton.zookeeper.auth",
            "Digest credentials user:password; Baton's nodes then carry ACLs only those credentials can change.");
    /** Whether to speak TLS to ZooKeeper. */
    public static final ConfigKey<Boolean> TLS_ENABLED = ConfigKey.bool("baton.zookeeper.tls.enabled", false,
            "Connect to ZooKeeper's secure client port with TLS.");
    /** Trust store (JKS or PKCS12) holding the server's CA. */
    public static final ConfigKey<String> TLS_TRUSTSTORE = ConfigKey.string("baton.zookeeper.tls.truststore", null,
            "Path of the trust store (JKS or PKCS12) that holds the ZooKeeper servers' CA.");
    /** Password of the trust store. */
    public static final ConfigKey<String> TLS_TRUSTSTORE_PASSWORD = ConfigKey.secret(
            "baton.zookeeper.tls.truststore-password", "Password of the trust store.");
    /** Key store with the client's certificate, for servers that require client authentication. */
    public static final ConfigKey<String> TLS_KEYSTORE = ConfigKey.string("baton.zookeeper.tls.keystore", null,
            "Path of the key store with this client's certificate, when the server requires one.");
    /** Password of the key store. */
    public static final ConfigKey<String> TLS_KEYSTORE_PASSWORD = ConfigKey.secret(
            "baton.zookeeper.tls.keystore-password", "Password of the key store.");
    /**
     * Whether to check the server's host name against its certificate: true, the default, and
     * the only value accepted ({@code false} fails {@code open} with an {@link IllegalArgumentException}).
     */
    public static final ConfigKey<Boolean> TLS_HOSTNAME_VERIFICATION = ConfigKey.bool(
            "baton.zookeeper.tls.hostname-verification", true,
            "Check that the server's certificate names the host or address it is reached at. Only true: false is "
                    + "refused, since ZooKeeper's TLS client on Netty 4.2 checks the name whatever it is told.");

    private static final List<ConfigKey<?>> KEYS = List.of(CONNECT, SESSION_TIMEOUT, CONNECTION_TIMEOUT, ROOT, LOST_ON,
            ENSEMBLE_TRACKER, AUTH, TLS_ENABLED, TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD,
            TLS_HOSTNAME_VERIFICATION);

    /** For {@link java.util.ServiceLoader}. */
    public ZooKeeperLockProvider() {
    }

    @Override
    public String name() {
        return "zookeeper";
    }

    @Override
    public List<ConfigKey<?>> configKeys() {
        return KEYS;
    }

    @Override
    public LockClient open(BatonConfig config) {
        return open(config, LockListener.NONE);
    }

    /** {@inheritDoc} This backend reports Curator's connection states. */
    @Override
    public LockClient open(BatonConfig config, LockListener listener) {
        ZooKeeperConnection connection = ZooKeeperConnection.connect(config);
        try {
            if (listener != LockListener.NONE) {
                // Added once connected: the first CONNECTED is reported only if Curator had not
                // delivered it yet, every change after it always.
                connection.curator().getConnectionStateListenable().addListener(
                        (client, state) -> listener.connectionStateChanged("zookeeper", state.name()));
            }
            return ZooKeeperLockClient.open(connection.curator(), connection.options(), true);
        } catch (RuntimeException e) {
            connection.curator().close();
            throw e;
        }
    }

}
