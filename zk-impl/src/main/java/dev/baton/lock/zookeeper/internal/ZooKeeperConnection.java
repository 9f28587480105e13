package dev.baton.lock.zookeeper.internal;

import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.AUTH;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.CONNECT;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.CONNECTION_TIMEOUT;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.ENSEMBLE_TRACKER;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.LOST_ON;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.ROOT;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.SESSION_TIMEOUT;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.TLS_ENABLED;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.TLS_HOSTNAME_VERIFICATION;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.TLS_KEYSTORE;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.TLS_KEYSTORE_PASSWORD;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.TLS_TRUSTSTORE;
import static dev.baton.lock.zookeeper.ZooKeeperLockProvider.TLS_TRUSTSTORE_PASSWORD;

import dev.baton.lock.LockException;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;
import org.apache.zookeeper.data.ACL;

/**
 * A Curator client opened from {@code baton.zookeeper.*} keys, connected, and the lock options the
 * same keys give: what {@code ZooKeeperLockProvider} and {@code CallerQueues.open} build on.
 *
 * @param curator started and connected; the caller closes it
 * @param options root, loss policy and ACL
 */
public record ZooKeeperConnection(CuratorFramework curator, ZooKeeperLockOptions options) {

    /**
     * Connects as {@code config} says; for {@code ZooKeeperLockProvider.open} and {@code CallerQueues.open}.
     *
     * @throws IllegalArgumentException if keys are missing, malformed or contradict each other
     * @throws LockException if ZooKeeper cannot be reached within the connection timeout; nothing is
     *     left open then
     */
    public static ZooKeeperConnection connect(BatonConfig config) {
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
                // Curator's default (on) rewrites the connect string at the first reconnection
                // when the servers list client addresses, bypassing a proxy or service name.
                .ensembleTracker(config.get(ENSEMBLE_TRACKER))
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
            return new ZooKeeperConnection(curator, options);
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
        if (!config.get(TLS_HOSTNAME_VERIFICATION)) {
            // Netty 4.2 (which Redisson 4 needs, and so the whole JVM runs) checks a server's host
            // name on every client connection by default; ZooKeeper 3.9's client never turns that
            // off, whatever zookeeper.ssl.hostnameVerification says. Accepting false would promise
            // connections that then fail with nothing but a connection timeout.
            throw new IllegalArgumentException(TLS_HOSTNAME_VERIFICATION.name() + "=false cannot take effect: "
                    + "ZooKeeper's TLS client runs on Netty 4.2, which always checks that the server's certificate "
                    + "names the host or address it is reached at; use a certificate that names each server as "
                    + "baton.zookeeper.connect gives it, and leave " + TLS_HOSTNAME_VERIFICATION.name() + " true");
        }
        try (ClientX509Util x509 = new ClientX509Util()) {
            zk.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
            zk.setProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
            zk.setProperty(x509.getSslTruststoreLocationProperty(), config.get(TLS_TRUSTSTORE));
            config.find(TLS_TRUSTSTORE_PASSWORD).ifPresent(p -> zk.setProperty(x509.getSslTruststorePasswdProperty(), p));
            config.find(TLS_KEYSTORE).ifPresent(p -> zk.setProperty(x509.getSslKeystoreLocationProperty(), p));
            config.find(TLS_KEYSTORE_PASSWORD).ifPresent(p -> zk.setProperty(x509.getSslKeystorePasswdProperty(), p));
            zk.setProperty(x509.getSslHostnameVerificationEnabledProperty(), "true");
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
