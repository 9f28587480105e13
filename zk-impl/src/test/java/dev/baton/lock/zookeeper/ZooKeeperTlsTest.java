package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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

    private static final String PASSWORD = "changeit";
    private static final List<String> SERVER_PROPERTIES = List.of("zookeeper.serverCnxnFactory",
            "zookeeper.client.portUnification", "zookeeper.ssl.keyStore.location", "zookeeper.ssl.keyStore.password",
            "zookeeper.ssl.trustStore.location", "zookeeper.ssl.trustStore.password", "zookeeper.ssl.clientAuth");

    @TempDir
    static Path certificates;
    private static TestingServer server;

    @BeforeAll
    static void startTlsServer() throws Exception {
        Path serverStore = certificates.resolve("server.p12");
        keytool("-genkeypair", "-alias", "zk", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2", "-keystore", serverStore.toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);
        keytool("-exportcert", "-alias", "zk", "-keystore", serverStore.toString(), "-storepass", PASSWORD,
                "-rfc", "-file", certificates.resolve("server.crt").toString());
        keytool("-importcert", "-noprompt", "-alias", "zk", "-file", certificates.resolve("server.crt").toString(),
                "-keystore", certificates.resolve("trust.p12").toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        keytool("-genkeypair", "-alias", "stranger", "-keyalg", "EC", "-groupname", "secp256r1", "-dname",
                "CN=stranger", "-validity", "2", "-keystore", certificates.resolve("stranger.p12").toString(),
                "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD);

        System.setProperty("zookeeper.serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        System.setProperty("zookeeper.client.portUnification", "true");
        System.setProperty("zookeeper.ssl.keyStore.location", serverStore.toString());
        System.setProperty("zookeeper.ssl.keyStore.password", PASSWORD);
        System.setProperty("zookeeper.ssl.trustStore.location", certificates.resolve("trust.p12").toString());
        System.setProperty("zookeeper.ssl.trustStore.password", PASSWORD);
        System.setProperty("zookeeper.ssl.clientAuth", "none");
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
        Map<String, String> config = ZooKeeperServerExtension.config(server.getConnectString());
        // The first TLS connection of the JVM loads Netty and builds the SSL context: on a loaded
        // two-core machine that alone took more than the default 5 s.
        config.put("baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(15)).toMillis() + "ms");
        config.put("baton.zookeeper.tls.enabled", "true");
        config.put("baton.zookeeper.tls.truststore", certificates.resolve(trustStore).toString());
        config.put("baton.zookeeper.tls.truststore-password", PASSWORD);
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

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool failed: " + String.join(" ", args) + "\n" + output);
        }
        assertThat(Files.exists(certificates)).isTrue();
    }
}
