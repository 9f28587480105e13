package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.lock.testkit.ChildJvm;
import dev.baton.lock.testkit.Timing;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton.zookeeper.tls.hostname-verification}: the server's certificate is trusted (the
 * client's trust store holds it) but names another host, so a client refuses it; and the key
 * cannot be turned off. The server runs in a child JVM
 * ({@link TlsServerMain}), because a ZooKeeper server takes its certificate from JVM-wide system
 * properties and {@link ZooKeeperTlsTest}'s server in this JVM has the right name.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperTlsHostnameTest {

    @TempDir
    static Path certificates;
    private static ChildJvm server;
    private static String connect;

    @BeforeAll
    static void startServerNamedForAnotherHost() throws Exception {
        // Neither 127.0.0.1 nor its reverse name (localhost) is in this certificate.
        Path keyStore = Keytool.keyPair(certificates, "elsewhere", "CN=zk.elsewhere.invalid", "dns:zk.elsewhere.invalid");
        Path trustStore = Keytool.trusting(certificates, "trust", keyStore, "elsewhere");
        TlsServerMain.Child child = TlsServerMain.start(certificates, keyStore.toString(), trustStore.toString());
        server = child.jvm();
        connect = child.connect();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.kill();
        }
    }

    private static Map<String, String> config() {
        return ZooKeeperTlsTest.tlsConfig(connect, certificates.resolve("trust.p12"));
    }

    @Test
    void byDefaultATrustedCertificateForAnotherHostIsRefused() {
        Map<String, String> config = config();
        config.put("baton.zookeeper.connection-timeout", "2s");
        assertThatThrownBy(() -> LockClients.open(config).close())
                .isInstanceOf(LockException.class)
                .hasMessageContaining("cannot connect");
    }

    @Test
    void theCertificateIsRefusedForItsNameAlone() throws Exception {
        // The same trust store and server, without the name check: the handshake succeeds, so the
        // test above failed on the name and nothing else.
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.resolve("trust.p12"))) {
            trusted.load(in, Keytool.PASSWORD.toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        int colon = connect.lastIndexOf(':');
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(connect.substring(0, colon),
                Integer.parseInt(connect.substring(colon + 1)))) {
            socket.setSoTimeout((int) Timing.scaledMillis(10_000));
            socket.startHandshake();
            assertThat(socket.getSession().getPeerPrincipal().getName()).isEqualTo("CN=zk.elsewhere.invalid");
        }
    }

    @Test
    void turningHostnameVerificationOffIsRefusedWithTheReason() {
        // ZooKeeper's client on Netty 4.2 checks the name whatever it is told (Netty's default), so
        // false could only end in a connection timeout; the key says so at open instead.
        Map<String, String> config = config();
        config.put("baton.zookeeper.tls.hostname-verification", "false");
        assertThatThrownBy(() -> LockClients.open(config).close())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.zookeeper.tls.hostname-verification=false cannot take effect")
                .hasMessageContaining("Netty 4.2");
    }
}
