package dev.baton.lock.zookeeper;

import dev.baton.lock.testkit.ChildJvm;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.curator.test.TestingServer;

/**
 * A ZooKeeper test server with TLS in a JVM of its own: the server takes its TLS settings from
 * system properties, JVM-wide, so a test that needs a second certificate runs it here. Arguments:
 * the key store and the trust store (PKCS12, password {@link Keytool#PASSWORD}), and optionally
 * the {@code clientAuth} ({@code none} if absent). Prints
 * {@code READY <connect string>} when it serves, and runs until its stdin closes or it is killed.
 */
public final class TlsServerMain {

    /** The server-side TLS properties: Netty, TLS and plain text on one port, no client certificate. */
    static void configure(String keyStore, String trustStore) {
        configure(keyStore, trustStore, "none");
    }

    /** As {@link #configure(String, String)}, with {@code zookeeper.ssl.clientAuth} = {@code clientAuth} ({@code none}, {@code want}, {@code need}). */
    static void configure(String keyStore, String trustStore, String clientAuth) {
        System.setProperty("zookeeper.serverCnxnFactory", "org.apache.zookeeper.server.NettyServerCnxnFactory");
        System.setProperty("zookeeper.client.portUnification", "true");
        System.setProperty("zookeeper.ssl.keyStore.location", keyStore);
        System.setProperty("zookeeper.ssl.keyStore.password", Keytool.PASSWORD);
        System.setProperty("zookeeper.ssl.trustStore.location", trustStore);
        System.setProperty("zookeeper.ssl.trustStore.password", Keytool.PASSWORD);
        System.setProperty("zookeeper.ssl.clientAuth", clientAuth);
        if (!clientAuth.equals("none")) {
            // The server checks a client's certificate through its x509 authentication provider.
            System.setProperty("zookeeper.authProvider.x509", "org.apache.zookeeper.server.auth.X509AuthenticationProvider");
        }
    }

    /** A server started in a child JVM, and its connect string. */
    record Child(ChildJvm jvm, String connect) {
    }

    /**
     * Starts this server in a child JVM with {@code args}, its log in {@code dir}, and waits until
     * it serves.
     */
    static Child start(Path dir, String... args) throws InterruptedException {
        Path log = dir.resolve("server.log");
        ChildJvm jvm = new ChildJvm(TlsServerMain.class, log.toFile(), args);
        String ready = jvm.next(Duration.ofSeconds(60));
        if (ready == null || !ready.startsWith("READY ")) {
            jvm.kill();
            throw new AssertionError("the child server did not start (its first line: " + ready + "; see " + log + ")");
        }
        return new Child(jvm, ready.substring("READY ".length()));
    }

    public static void main(String[] args) throws Exception {
        configure(args[0], args[1], args.length > 2 ? args[2] : "none");
        try (TestingServer server = ZooKeeperServerExtension.startServer(ZooKeeperServerExtension.DEFAULT_TICK_MILLIS,
                Map.of())) {
            System.out.println("READY " + server.getConnectString());
            System.out.flush();
            while (System.in.read() != -1) {
                // until the parent goes away
            }
        }
    }
}
