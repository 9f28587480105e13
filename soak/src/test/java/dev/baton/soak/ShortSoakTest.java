package dev.baton.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.check.KindStats;
import dev.baton.soak.check.Violation;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The short soak CI runs: every fault kind once, on every backend topology, with real servers and
 * worker JVMs. The long run is {@code SoakMain} (see RELIABILITY.md).
 */
@Tag("slow") // real servers and worker JVMs: left out by -Pfast
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ShortSoakTest {

    @Test
    void zookeeperKeepsItsPromisesThroughEveryFaultKind() {
        assertClean(SoakRuns.run("zookeeper", "short-zookeeper", SoakOptions.SelfTest.NONE, 1,
                FaultKind.WORKER_PAUSE, FaultKind.WORKER_KILL, FaultKind.WORKER_PARTITION, FaultKind.ZK_SERVER_KILL,
                FaultKind.ZK_LEADER_KILL, FaultKind.ZK_QUORUM_LOSS).check());
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
