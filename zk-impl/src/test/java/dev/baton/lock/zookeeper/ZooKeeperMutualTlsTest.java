package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.lock.testkit.ChildJvm;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton.zookeeper.tls.keystore}: a server that requires a client certificate
 * ({@code clientAuth=need}, in a child JVM as its TLS settings are JVM-wide) admits a client that
 * presents one it trusts, and refuses one that presents none.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperMutualTlsTest {

    @TempDir
    static Path certificates;
    private static ChildJvm server;
    private static String connect;

    @BeforeAll
    static void startServerThatNeedsAClientCertificate() throws Exception {
        Path serverKeys = Keytool.keyPair(certificates, "zk", "CN=localhost", "dns:localhost,ip:127.0.0.1");
        Path clientKeys = Keytool.keyPair(certificates, "client", "CN=baton-client", "dns:localhost,ip:127.0.0.1");
        Path serverTrust = Keytool.trusting(certificates, "server-trust", clientKeys, "client");
        Keytool.trusting(certificates, "client-trust", serverKeys, "zk");
        TlsServerMain.Child child = TlsServerMain.start(certificates, serverKeys.toString(), serverTrust.toString(), "need");
        server = child.jvm();
        connect = child.connect();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.kill();
        }
    }

    @Test
    void aClientWithAKeyStoreTheServerTrustsLocks() throws Exception {
        Map<String, String> config = ZooKeeperTlsTest.tlsConfig(connect, certificates.resolve("client-trust.p12"));
        config.put("baton.zookeeper.tls.keystore", certificates.resolve("client.p12").toString());
        config.put("baton.zookeeper.tls.keystore-password", Keytool.PASSWORD);
        try (LockClient client = LockClients.open(config); Lease lease = client.lock("mutual").acquire()) {
            assertThat(lease.fencingToken()).isPositive();
        }
    }

    @Test
    void aClientWithoutOneIsRefused() {
        Map<String, String> config = ZooKeeperTlsTest.tlsConfig(connect, certificates.resolve("client-trust.p12"));
        config.put("baton.zookeeper.connection-timeout", "2s");
        assertThatThrownBy(() -> LockClients.open(config).close())
                .isInstanceOf(LockException.class)
                .hasMessageContaining("cannot connect");
    }
}
