package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A real three-node ensemble: leader failure keeps locks working; loss of quorum tells holders. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ZooKeeperClusterTest {

    private static final int TICK_MILLIS = 500;

    private TestingCluster cluster;
    private final List<LockClient> clients = new ArrayList<>();

    @BeforeEach
    void startCluster() throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= 3; id++) {
            // Let sessions outlive an election on a loaded machine: the servers' default cap is 20 ticks.
            Map<String, Object> properties = new java.util.HashMap<>(Map.of("maxSessionTimeout", "120000"));
            specs.add(new InstanceSpec(null, -1, -1, -1, true, id, TICK_MILLIS, 0, properties, "127.0.0.1"));
        }
        cluster = new TestingCluster(specs);
        cluster.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        clients.forEach(LockClient::close);
        cluster.close();
    }

    private LockClient client(String lostOn) {
        Map<String, String> config = ZooKeeperTesting.config(cluster.getConnectString());
        config.put("baton.zookeeper.session-timeout", Timing.scaled(Duration.ofSeconds(30)).toMillis() + "ms");
        config.put("baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(15)).toMillis() + "ms");
        config.put("baton.zookeeper.lost-on", lostOn);
        LockClient client = LockClients.open(config);
        clients.add(client);
        return client;
    }

    private TestingZooKeeperServer leader() {
        return Timing.await("a leader is elected").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> cluster.getServers().stream()
                        .filter(s -> "leader".equals(mode(s.getInstanceSpec().getPort())))
                        .findFirst().orElse(null), s -> s != null);
    }

    /** The server's mode from the {@code srvr} four-letter command (the one enabled by default). */
    private static String mode(int port) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write("srvr".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String reply = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            for (String line : reply.split("\n")) {
                if (line.startsWith("Mode: ")) {
                    return line.substring(6).trim();
                }
            }
        } catch (java.io.IOException e) {
            return "down";
        }
        return "unknown";
    }

    @Test
    void killingTheLeaderWhileLocksAreHeldAndAwaitedKeepsLocksWorking() throws Exception {
        LockClient holderClient = client("session-lost");
        LockClient waiterClient = client("session-lost");
        Lease held = holderClient.lock("ensemble/a").acquire();
        long heldToken = held.fencingToken();
        CompletableFuture<Lease> waiting = waiterClient.lock("ensemble/a").acquireAsync();

        TestingZooKeeperServer leader = leader();
        assertThat(cluster.killServer(leader.getInstanceSpec())).isTrue();
        leader();

        // The sessions outlive the election, so with lost-on=session-lost the lease is still held.
        assertThat(held.isValid()).isTrue();
        assertThat(waiting).isNotDone();
        held.release();
        Lease next = waiting.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
        assertThat(next.fencingToken()).isGreaterThan(heldToken);
        next.release();

        Lease fresh = holderClient.lock("ensemble/b").tryAcquire(Timing.scaled(Duration.ofSeconds(20))).orElseThrow();
        assertThat(fresh.fencingToken()).isGreaterThan(heldToken);
        fresh.release();
    }

    @Test
    void killingTheLeaderTellsHoldersUnderTheDefaultPolicyAndTheLockIsFreedAfterwards() throws Exception {
        LockClient holderClient = client("suspended");
        LockClient waiterClient = client("suspended");
        Lease held = holderClient.lock("ensemble/c").acquire();
        long heldToken = held.fencingToken();
        CompletableFuture<Lease> waiting = waiterClient.lock("ensemble/c").acquireAsync();

        cluster.killServer(leader().getInstanceSpec());

        assertThat(held.lost().get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS))
                .isEqualTo(LossReason.CONNECTION_SUSPENDED);
        Lease next = waiting.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
        assertThat(next.fencingToken()).isGreaterThan(heldToken);
        next.release();
    }

    @Test
    void losingQuorumTellsHolders() throws Exception {
        LockClient holderClient = client("suspended");
        Lease held = holderClient.lock("ensemble/quorum").acquire();
        TestingZooKeeperServer leader = leader();
        cluster.killServer(leader.getInstanceSpec());
        for (TestingZooKeeperServer server : cluster.getServers()) {
            if (server != leader) {
                cluster.killServer(server.getInstanceSpec());
                break;
            }
        }
        assertThat(held.lost().get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS)).isNotNull();
        assertThat(held.isValid()).isFalse();
    }
}
