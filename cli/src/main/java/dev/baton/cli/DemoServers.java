package dev.baton.cli;

import dev.baton.embedded.EmbeddedRedis;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;

/**
 * The demo's real servers, all on loopback: a three-node ZooKeeper ensemble in this process, a
 * {@code redis-server} child process, and PostgreSQL with prepared transactions enabled. Started in
 * parallel, stopped together.
 */
final class DemoServers implements AutoCloseable {

    private static final int TICK_MILLIS = 500;

    private final TestingCluster zookeeper;
    private final EmbeddedRedis redis;
    private final EmbeddedPostgres postgres;

    private DemoServers(TestingCluster zookeeper, EmbeddedRedis redis, EmbeddedPostgres postgres) {
        this.zookeeper = zookeeper;
        this.redis = redis;
        this.postgres = postgres;
    }

    static DemoServers start() {
        System.setProperty("zookeeper.admin.enableServer", "false");
        System.setProperty("zookeeper.forceSync", "no");
        CompletableFuture<TestingCluster> zk = CompletableFuture.supplyAsync(DemoServers::startEnsemble);
        CompletableFuture<EmbeddedRedis> redis = CompletableFuture.supplyAsync(EmbeddedRedis::start);
        CompletableFuture<EmbeddedPostgres> pg = CompletableFuture.supplyAsync(DemoServers::startPostgres);
        try {
            CompletableFuture.allOf(zk, redis, pg).join();
        } catch (RuntimeException e) {
            zk.thenAccept(DemoServers::closeQuietly);
            redis.thenAccept(EmbeddedRedis::close);
            pg.thenAccept(DemoServers::closeQuietly);
            throw e;
        }
        return new DemoServers(zk.join(), redis.join(), pg.join());
    }

    private static TestingCluster startEnsemble() {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            specs.add(new InstanceSpec(null, -1, -1, -1, true, id, TICK_MILLIS, 0, null, "127.0.0.1"));
        }
        TestingCluster cluster = new TestingCluster(specs);
        try {
            cluster.start();
            return cluster;
        } catch (Exception e) {
            closeQuietly(cluster);
            throw new IllegalStateException("cannot start the ZooKeeper ensemble: " + e.getMessage(), e);
        }
    }

    private static EmbeddedPostgres startPostgres() {
        try {
            return EmbeddedPostgres.builder()
                    .setServerConfig("max_prepared_transactions", "100")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL", e);
        }
    }

    String zookeeperConnect() {
        return zookeeper.getConnectString();
    }

    String redisUri() {
        return redis.uri();
    }

    EmbeddedPostgres postgres() {
        return postgres;
    }

    /** Kills the current leader; returns its address, or empty if no leader could be found. */
    Optional<String> killLeader() throws Exception {
        for (TestingZooKeeperServer server : zookeeper.getServers()) {
            InstanceSpec spec = server.getInstanceSpec();
            if ("leader".equals(mode(spec.getPort()))) {
                zookeeper.killServer(spec);
                return Optional.of(spec.getConnectString());
            }
        }
        return Optional.empty();
    }

    /** Whether some server is leader again. */
    boolean hasLeader() {
        for (TestingZooKeeperServer server : zookeeper.getServers()) {
            if ("leader".equals(mode(server.getInstanceSpec().getPort()))) {
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

    @Override
    public void close() {
        closeQuietly(postgres);
        redis.close();
        closeQuietly(zookeeper);
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception e) {
            // shutting down: nothing useful to do with it
        }
    }
}
