package dev.baton.lock.zookeeper;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.LockBackendProvider;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.data.ACL;

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
    /** Whether to check the server's host name against its certificate. */
    public static final ConfigKey<Boolean> TLS_HOSTNAME_VERIFICATION = ConfigKey.bool(
            "baton.zookeeper.tls.hostname-verification", true, "Check the server's certificate matches its host name.");

    private static final List<ConfigKey<?>> KEYS = List.of(CONNECT, SESSION_TIMEOUT, CONNECTION_TIMEOUT, ROOT, LOST_ON,
            AUTH, TLS_ENABLED, TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD,
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
        String connect = checkConnectString(config.require(CONNECT));
        Duration connectionTimeout = config.get(CONNECTION_TIMEOUT);
        String auth = config.get(AUTH);
        if (auth != null && (auth.indexOf(':') < 1 || auth.indexOf(':') == auth.length() - 1)) {
            throw new IllegalArgumentException("configuration key " + AUTH.name()
                    + " must be user:password with both parts non-empty");
        }
        ZooKeeperLockOptions options = new ZooKeeperLockOptions(config.get(ROOT), config.get(LOST_ON), acl(auth));
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder()
                .connectString(connect)
                .sessionTimeoutMs(millis(config.get(SESSION_TIMEOUT)))
                .connectionTimeoutMs(millis(connectionTimeout))
                .retryPolicy(new ExponentialBackoffRetry(100, 3))
                .zkClientConfig(clientConfig(config));
        if (auth != null) {
            builder.authorization("digest", auth.getBytes(StandardCharsets.UTF_8));
        }
        CuratorFramework curator = builder.build();
        curator.start();
        try {
            if (!curator.blockUntilConnected(millis(connectionTimeout), TimeUnit.MILLISECONDS)) {
                throw new LockException("cannot connect to ZooKeeper at " + connect + " within "
                        + connectionTimeout.toMillis() + " ms (" + CONNECT.name() + ", " + CONNECTION_TIMEOUT.name() + ")");
            }
            return ZooKeeperLockClient.open(curator, options, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            curator.close();
            throw new LockException("interrupted while connecting to ZooKeeper at " + connect, e);
        } catch (RuntimeException e) {
            curator.close();
            throw e;
        }
    }

    private static List<ACL> acl(String auth) {
        if (auth == null) {
            return ZooDefs.Ids.OPEN_ACL_UNSAFE;
        }
        // Full rights for whoever holds the same digest credentials; everyone may read, so that
        // monitoring needs no secret. Deleting a queue node needs DELETE on its parent, which only
        // the credentials' holders have.
        List<ACL> acl = new ArrayList<>(ZooDefs.Ids.CREATOR_ALL_ACL);
        acl.addAll(ZooDefs.Ids.READ_ACL_UNSAFE);
        return acl;
    }

    private static ZKClientConfig clientConfig(BatonConfig config) {
        ZKClientConfig zk = new ZKClientConfig();
        boolean tls = config.get(TLS_ENABLED);
        if (!tls) {
            for (ConfigKey<?> key : List.of(TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD, TLS_KEYSTORE, TLS_KEYSTORE_PASSWORD)) {
                if (config.isSet(key)) {
                    throw new IllegalArgumentException("configuration key " + key.name() + " is set but "
                            + TLS_ENABLED.name() + " is not true; set it to true to use TLS");
                }
            }
            return zk;
        }
        if (config.get(TLS_TRUSTSTORE) == null) {
            throw new IllegalArgumentException(TLS_ENABLED.name() + "=true needs " + TLS_TRUSTSTORE.name()
                    + " (the trust store that holds the servers' CA)");
        }
        try (ClientX509Util x509 = new ClientX509Util()) {
            zk.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
            zk.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
            zk.setProperty(x509.getSslTruststoreLocationProperty(), config.get(TLS_TRUSTSTORE));
            config.find(TLS_TRUSTSTORE_PASSWORD).ifPresent(p -> zk.setProperty(x509.getSslTruststorePasswdProperty(), p));
            config.find(TLS_KEYSTORE).ifPresent(p -> zk.setProperty(x509.getSslKeystoreLocationProperty(), p));
            config.find(TLS_KEYSTORE_PASSWORD).ifPresent(p -> zk.setProperty(x509.getSslKeystorePasswdProperty(), p));
            zk.setProperty(x509.getSslHostnameVerificationEnabledProperty(),
                    String.valueOf(config.get(TLS_HOSTNAME_VERIFICATION)));
        }
        return zk;
    }

    static String checkConnectString(String connect) {
        int slash = connect.indexOf('/');
        String hosts = slash < 0 ? connect : connect.substring(0, slash);
        for (String host : hosts.split(",", -1)) {
            String h = host.trim();
            int colon = h.lastIndexOf(':');
            boolean ok = colon > 0 && colon < h.length() - 1;
            if (ok) {
                try {
                    int port = Integer.parseInt(h.substring(colon + 1));
                    ok = port > 0 && port < 65536;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                throw new IllegalArgumentException("configuration key " + CONNECT.name() + " has a malformed value '"
                        + connect + "': expected host:port[,host:port...][/chroot], and '" + h + "' is not host:port");
            }
        }
        return connect;
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, duration.toMillis());
    }
}
