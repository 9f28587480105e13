package dev.baton.lock.redis;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Three masters and one replica of the first; every node calls a silent peer failed after 1 s, and
 * the replica may take over however far behind it is. Started per test and closed after it.
 */
final class ClusterFailoverFixture implements FailoverFixture {

    private final RedisClusterFixture cluster;
    private final EmbeddedRedis replica;

    private ClusterFailoverFixture(RedisClusterFixture cluster, EmbeddedRedis replica) {
        this.cluster = cluster;
        this.replica = replica;
    }

    static ClusterFailoverFixture start() {
        RedisClusterFixture cluster = RedisClusterFixture.start(3);
        try {
            return new ClusterFailoverFixture(cluster, cluster.addReplica(0, Duration.ofSeconds(1)));
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    /** Whether {@code key} lives on the master that has the replica. */
    boolean onReplicatedMaster(String key) {
        return cluster.masterIndexOf(RedisClusterFixture.slotOf(key)) == 0;
    }

    @Override
    public Map<String, String> clientConfig() {
        return Map.of("baton.redis.cluster.nodes",
                cluster.all().stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(",")));
    }

    @Override
    public EmbeddedRedis masterOf(String key) {
        return cluster.nodes().get(cluster.masterIndexOf(RedisClusterFixture.slotOf(key)));
    }

    @Override
    public EmbeddedRedis replicaOf(String key) {
        if (!onReplicatedMaster(key)) {
            throw new IllegalArgumentException(key + " is on a master without a replica");
        }
        return replica;
    }

    @Override
    public void awaitPromotionOf(EmbeddedRedis promoted) {
        try {
            Timing.await("the cluster promotes the replica").atMost(Timing.scaled(Duration.ofSeconds(60)))
                    .ignoreExceptions()
                    .until(() -> RedisClusterFixture.replication(promoted).contains("role:master")
                            && RedisClusterFixture.info(promoted).contains("cluster_state:ok"));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n" + cluster.describe(), e);
        }
    }

    @Override
    public void close() {
        cluster.close();
    }
}
