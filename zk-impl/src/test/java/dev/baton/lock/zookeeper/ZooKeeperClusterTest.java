package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperEnsembleExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real three-node ensemble: leader failure keeps locks working; loss of quorum tells holders. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@Tag("slow")
class ZooKeeperClusterTest {

    // Let sessions outlive an election on a loaded machine: the servers' default cap is 20 ticks.
    @RegisterExtension
    final ZooKeeperEnsembleExtension ensemble = ZooKeeperEnsembleExtension.of(3).tickMillis(500)
            .property("maxSessionTimeout", "120000");

    private TestingCluster cluster;

    @BeforeEach
    void startCluster() {
        cluster = ensemble.cluster();
    }

    private LockClient client(String lostOn) {
        return ensemble.lockClient(Map.of(
                "baton.zookeeper.session-timeout", Timing.scaled(Duration.ofSeconds(30)).toMillis() + "ms",
                "baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(15)).toMillis() + "ms",
                "baton.zookeeper.lost-on", lostOn));
    }

    private TestingZooKeeperServer leader() {
        return ensemble.leader();
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
