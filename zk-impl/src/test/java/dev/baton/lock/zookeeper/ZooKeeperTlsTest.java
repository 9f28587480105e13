package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS to ZooKeeper. The test server runs Netty with port unification (TLS and plain text on one
 * port), configured through the server's system properties; certificates are made by the JDK's
 * keytool for each run.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperTlsTest {

    private static final List<String> SERVER_PROPERTIES = List.of("zookeeper.serverCnxnFactory",
            "zookeeper.client.portUnification", "zookeeper.ssl.keyStore.location", "zookeeper.ssl.keyStore.password",
            "zookeeper.ssl.trustStore.location", "zookeeper.ssl.trustStore.password", "zookeeper.ssl.clientAuth");

    @TempDir
    static Path certificates;
    private static TestingServer server;

    @BeforeAll
    static void startTlsServer() throws Exception {
        Path serverStore = Keytool.keyPair(certificates, "zk", "CN=localhost", "dns:localhost,ip:127.0.0.1");
        Keytool.trusting(certificates, "trust", serverStore, "zk");
        Keytool.keyPair(certificates, "stranger", "CN=stranger", null);
        TlsServerMain.configure(serverStore.toString(), certificates.resolve("trust.p12").toString());
        server = ZooKeeperServerExtension.startServer(ZooKeeperServerExtension.DEFAULT_TICK_MILLIS, Map.of());
    }

    @AfterAll
    static void stopServer() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            SERVER_PROPERTIES.forEach(System::clearProperty);
        }
    }

    private static Map<String, String> tlsConfig(String trustStore) {
        return tlsConfig(server.getConnectString(), certificates.resolve(trustStore));
    }

    /** The keys of a lock client on {@code connect} over TLS, trusting what {@code trustStore} holds. */
    static Map<String, String> tlsConfig(String connect, Path trustStore) {
        Map<String, String> config = ZooKeeperServerExtension.config(connect);
        // The first TLS connection of the JVM loads Netty and builds the SSL context: on a loaded
        // two-core machine that alone took more than the default 5 s.
        config.put("baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(15)).toMillis() + "ms");
        config.put("baton.zookeeper.tls.enabled", "true");
        config.put("baton.zookeeper.tls.truststore", trustStore.toString());
        config.put("baton.zookeeper.tls.truststore-password", Keytool.PASSWORD);
        return config;
    }

    @Test
    void locksWorkOverTls() throws Exception {
        try (LockClient client = LockClients.open(tlsConfig("trust.p12"));
             Lease lease = client.lock("over-tls").acquire()) {
            assertThat(lease.fencingToken()).isPositive();
        }
    }

    @Test
    void aServerCertificateOutsideTheTrustStoreIsRefused() {
        Map<String, String> config = tlsConfig("stranger.p12");
        config.put("baton.zookeeper.connection-timeout", "2s");
        assertThatThrownBy(() -> LockClients.open(config).close())
                .isInstanceOf(LockException.class)
                .hasMessageContaining("cannot connect");
    }

    @Test
    void tlsSettingsWithoutTlsEnabledAreAContradiction() {
        Map<String, String> config = tlsConfig("trust.p12");
        config.remove("baton.zookeeper.tls.enabled");
        assertThatThrownBy(() -> LockClients.open(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.zookeeper.tls.enabled");
    }
}
