package dev.baton.embedded;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;

/**
 * A real ZooKeeper ensemble in this process (Curator's {@code TestingCluster}), every server on a
 * free loopback port with a data directory of its own that is deleted on {@link #close()}.
 *
 * <p>Starting one sets two JVM-wide system properties for ZooKeeper's servers: no admin HTTP server
 * ({@code zookeeper.admin.enableServer=false}) and no fsync ({@code zookeeper.forceSync=no}; these
 * servers are for trying and testing, not for keeping data through a power cut).
 *
 * <p>Not thread-safe; one owner starts and stops it.
 */
public final class EmbeddedZooKeeper implements AutoCloseable {

    private static final int TICK_MILLIS = 500;

    private final TestingCluster cluster;

    private EmbeddedZooKeeper(TestingCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts an ensemble of {@code servers} servers and waits until it serves.
     *
     * @throws IllegalArgumentException if {@code servers} is not 1 to 7
     * @throws IllegalStateException if it cannot start
     */
    public static EmbeddedZooKeeper startEnsemble(int servers) {
        if (servers < 1 || servers > 7) {
            throw new IllegalArgumentException("an ensemble has 1 to 7 servers: " + servers);
        }
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.setProperty("zookeeper.forceSync", "no");
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= servers; id++) {
            // Ports below the ephemeral range: a client reconnecting to a killed server never takes its port.
            specs.add(new InstanceSpec(null, LoopbackPorts.freePort(), LoopbackPorts.freePort(),
                    LoopbackPorts.freePort(), true, id, TICK_MILLIS, 0, null, "127.0.0.1"));
        }
        TestingCluster cluster = new TestingCluster(specs);
        try {
            cluster.start();
            return new EmbeddedZooKeeper(cluster);
        } catch (Exception e) {
            closeQuietly(cluster);
            throw new IllegalStateException("cannot start the ZooKeeper ensemble: " + e.getMessage(), e);
        }
    }

    /** {@code 127.0.0.1:<port>,...}, for {@code baton.zookeeper.connect}. */
    public String connectString() {
        return cluster.getConnectString();
    }

    /** How many servers the ensemble has. */
    public int size() {
        return cluster.getInstances().size();
    }

    /**
     * Kills the current leader.
     *
     * @return its address, or empty if no server is leader now
     * @throws Exception if the server cannot be stopped
     */
    public Optional<String> killLeader() throws Exception {
        for (TestingZooKeeperServer server : cluster.getServers()) {
            InstanceSpec spec = server.getInstanceSpec();
            if ("leader".equals(mode(spec.getPort()))) {
                cluster.killServer(spec);
                return Optional.of("127.0.0.1:" + spec.getPort());
            }
        }
        return Optional.empty();
    }

    /** Whether some server is leader (or, for a single server, standalone and serving). */
    public boolean hasLeader() {
        for (TestingZooKeeperServer server : cluster.getServers()) {
            String mode = mode(server.getInstanceSpec().getPort());
            if ("leader".equals(mode) || "standalone".equals(mode)) {
                return true;
            }
        }
        return false;
    }

    /** The server's mode from the {@code srvr} four-letter command. */
    private static String mode(int port) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : reply.split("\n")) {
                if (line.startsWith("Mode: ")) {
                    return line.substring(6).trim();
                }
            }
        } catch (IOException e) {
            return "down";
        }
        return "unknown";
    }

    /** Stops every server and deletes their data. Idempotent; never throws. */
    @Override
    public void close() {
        closeQuietly(cluster);
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            // shutting down: nothing useful to do with it
        }
    }
}
