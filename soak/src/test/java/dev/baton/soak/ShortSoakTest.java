package dev.baton.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.check.KindStats;
import dev.baton.soak.check.TransferStats;
import dev.baton.soak.check.Violation;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The short soak CI runs: every fault kind once, on every backend topology, with real servers and
 * worker JVMs; and 2PC: on the in-process XA path each of its fault kinds twice, on the distributed
 * path each once. The long run is {@code SoakMain} (see RELIABILITY.md).
 */
@Tag("slow") // real servers and worker JVMs: left out by -Pfast
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ShortSoakTest {

    @Test
    void zookeeperKeepsItsPromisesThroughEveryFaultKind() {
        assertClean(SoakRuns.run("zookeeper", "short-zookeeper", SoakOptions.SelfTest.NONE, 1,
                FaultKind.WORKER_PAUSE, FaultKind.WORKER_KILL, FaultKind.WORKER_PARTITION, FaultKind.ZK_SERVER_KILL,
                FaultKind.ZK_LEADER_KILL, FaultKind.ZK_LEADER_PAUSE, FaultKind.ZK_QUORUM_LOSS).check());
    }

    @Test
    void redisKeepsItsPromisesThroughEveryFaultKind() {
        assertClean(SoakRuns.run("redis", "short-redis", SoakOptions.SelfTest.NONE, 1,
                FaultKind.WORKER_PAUSE, FaultKind.WORKER_KILL, FaultKind.WORKER_PARTITION, FaultKind.REDIS_PAUSE,
                FaultKind.REDIS_RESTART).check());
    }

    @Test
    void redisSentinelFailoverKeepsFencingSafe() {
        assertClean(SoakRuns.run("redis-sentinel", "short-sentinel", SoakOptions.SelfTest.NONE, 1,
                FaultKind.SENTINEL_FAILOVER).check());
    }

    @Test
    void redisClusterFailoverKeepsFencingSafe() {
        assertClean(SoakRuns.run("redis-cluster", "short-cluster", SoakOptions.SelfTest.NONE, 1,
                FaultKind.CLUSTER_FAILOVER).check());
    }

    /**
     * 2PC on the in-process XA path: transfers between two PostgreSQL servers while the nemesis
     * kills and stops coordinating workers and kills the ZooKeeper leader, twice each. Money is
     * conserved, no transfer is one-sided, every outcome told matches the banks, and after recovery
     * nothing is prepared or decided.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // about 2 minutes: two faults of each kind
    void twoPhaseCommitKeepsItsPromisesThroughCoordinatorAndLeaderFaults() {
        CheckResult check = SoakRuns.run(Soak.XA, "short-xa", SoakOptions.SelfTest.NONE, 2,
                FaultKind.COORDINATOR_KILL, FaultKind.COORDINATOR_PAUSE, FaultKind.ZK_LEADER_KILL).check();
        List<Violation> violations = check.violations();
        assertTrue(violations.isEmpty(), "violations: " + violations);
        for (FaultKind kind : List.of(FaultKind.COORDINATOR_KILL, FaultKind.COORDINATOR_PAUSE, FaultKind.ZK_LEADER_KILL)) {
            TransferStats stats = check.transfers().get(kind.id());
            assertEquals(2, stats.injections(), kind.id() + " was not injected twice");
            assertEquals(2, stats.drain().count(), kind.id() + ": no commit after each heal");
        }
        assertTrue(check.transfers().values().stream().mapToInt(TransferStats::committed).sum() > 0,
                "no transfer committed");
    }

    /**
     * 2PC on the distributed path: coordinator JVMs and participant-host JVMs (both banks in each
     * host) killed and stopped, and the ZooKeeper leader killed, once each; the same promises.
     */
    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES) // about 2.5 minutes: one fault of each of five kinds
    void distributedTwoPhaseCommitKeepsItsPromisesThroughCoordinatorParticipantAndLeaderFaults() {
        List<FaultKind> kinds = List.of(FaultKind.COORDINATOR_KILL, FaultKind.COORDINATOR_PAUSE,
                FaultKind.PARTICIPANT_KILL, FaultKind.PARTICIPANT_PAUSE, FaultKind.ZK_LEADER_KILL);
        CheckResult check = SoakRuns.run(Soak.TWO_PC, "short-2pc", SoakOptions.SelfTest.NONE, 1,
                kinds.toArray(FaultKind[]::new)).check();
        List<Violation> violations = check.violations();
        assertTrue(violations.isEmpty(), "violations: " + violations);
        for (FaultKind kind : kinds) {
            assertEquals(1, check.transfers().get(kind.id()).injections(), kind.id() + " was not injected");
            assertEquals(1, check.transfers().get(kind.id()).drain().count(), kind.id() + ": no commit after the heal");
        }
    }

    private static void assertClean(CheckResult check) {
        List<Violation> violations = check.violations();
        assertTrue(violations.isEmpty(), "violations: " + violations);
        for (KindStats stats : check.kinds().values()) {
            if (!stats.kind().equals("none")) {
                assertEquals(1, stats.injections(), stats.kind() + " was not injected");
                assertTrue(stats.drain().count() == 1, stats.kind() + ": no grant after healing");
            }
        }
        assertTrue(check.kinds().values().stream().mapToInt(KindStats::grants).sum() > 0, "no lock was granted");
    }
}
