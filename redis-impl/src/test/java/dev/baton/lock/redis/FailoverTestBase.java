package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.lock.LockNames;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.FencedResource;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Failover (issue 15): the master that holds a lock's keys is killed and a replica is promoted,
 * by the Sentinel or by the Cluster's own election. Holders of keys on that master are told
 * ({@code lost()}), and tokens never go back after the
 * promotion, also when the replica had not received the latest lease and token (replication is
 * asynchronous): the acquire script's clock term ({@code max(last + 1, TIME in µs)}) carries them
 * past what was lost, as after a restart without data ({@link FaultTestBase}).
 */
@Tag("slow")
abstract class FailoverTestBase {

    /** Long enough that a lease outlives the 48 MB write of {@link FailoverFixture#holdBackReplication} on a busy machine. */
    static final Duration LEASE = Duration.ofSeconds(3);

    private final List<AutoCloseable> closing = new ArrayList<>();

    /** {@code redis} or {@code redisson}. */
    abstract String backendName();

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    private <T extends AutoCloseable> T closeAfter(T resource) {
        closing.add(resource);
        return resource;
    }

    private LockClient open(FailoverFixture fixture) {
        Map<String, String> config = new HashMap<>(fixture.clientConfig());
        config.put("baton.backend", backendName());
        config.put("baton.lock.lease-time", LEASE.toMillis() + "ms");
        config.put("baton.redis.timeout", "1s");
        config.put("baton.redis.connect-timeout", "10s"); // Redisson connects to every node before open returns
        return closeAfter(LockClients.open(config));
    }

    private static LockKeys keys(String name) {
        return LockKeys.of(RedisLockOptions.DEFAULT_NAMESPACE, name);
    }

    @Test
    void sentinelFailoverTellsTheHolderAndTokensKeepIncreasing() throws Exception {
        FailoverFixture sentinel = closeAfter(SentinelFailoverFixture.start());
        holderIsToldAndTokensKeepIncreasing(sentinel, "failover/sentinel");
    }

    @Test
    void sentinelFailoverToAReplicaThatMissedTheLatestLeaseNeverTurnsTokensBack() throws Exception {
        FailoverFixture sentinel = closeAfter(SentinelFailoverFixture.start());
        tokensNeverGoBackWhenTheReplicaMissedTheLatestLease(sentinel, "failover/sentinel-behind");
    }

    @Test
    void clusterMasterFailoverTellsTheHolderAndTokensKeepIncreasing() throws Exception {
        ClusterFailoverFixture cluster = closeAfter(ClusterFailoverFixture.start());
        holderIsToldAndTokensKeepIncreasing(cluster, nameOn(cluster, "failover/cluster"));
    }

    @Test
    void clusterFailoverToAReplicaThatMissedTheLatestLeaseNeverTurnsTokensBack() throws Exception {
        ClusterFailoverFixture cluster = closeAfter(ClusterFailoverFixture.start());
        tokensNeverGoBackWhenTheReplicaMissedTheLatestLease(cluster, nameOn(cluster, "failover/cluster-behind"));
    }

    /** The first of {@code prefix-0}, {@code prefix-1}, ... whose keys are on the master with the replica. */
    private static String nameOn(ClusterFailoverFixture cluster, String prefix) {
        for (int i = 0; i < 1000; i++) {
            String name = prefix + "-" + i;
            if (cluster.onReplicatedMaster(keys(name).lock())) {
                return name;
            }
        }
        throw new IllegalStateException("no name found for " + prefix);
    }

    private void holderIsToldAndTokensKeepIncreasing(FailoverFixture fixture, String name) throws Exception {
        LockClient holderClient = open(fixture);
        LockClient otherClient = open(fixture);
        FencedResource resource = new FencedResource();
        Lease held = holderClient.lock(name).acquire();
        long token = held.fencingToken();
        assertThat(resource.write(token, "holder")).isTrue();
        EmbeddedRedis master = fixture.masterOf(keys(name).lock());
        EmbeddedRedis replica = fixture.replicaOf(keys(name).lock());
        FailoverFixture.awaitReplicated(master);

        master.kill();

        assertThat(held.lost().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .isIn(LossReason.LEASE_EXPIRED, LossReason.TAKEN_OVER);
        assertThat(held.isValid()).isFalse();
        assertThatThrownBy(held::fencingToken).isInstanceOf(IllegalStateException.class);
        fixture.awaitPromotionOf(replica);
        Lease next = acquireAfterFailover(otherClient, name);
        assertThat(next.fencingToken()).isGreaterThan(token);
        assertThat(resource.write(next.fencingToken(), "after the failover")).isTrue();
        assertThat(resource.write(token, "old holder, late")).isFalse();
        next.release();
    }

    private void tokensNeverGoBackWhenTheReplicaMissedTheLatestLease(FailoverFixture fixture, String name)
            throws Exception {
        LockClient holderClient = open(fixture);
        LockClient otherClient = open(fixture);
        FencedResource resource = new FencedResource();
        EmbeddedRedis master = fixture.masterOf(keys(name).lock());
        EmbeddedRedis replica = fixture.replicaOf(keys(name).lock());
        long replicated;
        try (Lease first = holderClient.lock(name).acquire()) {
            replicated = first.fencingToken();
        }
        FailoverFixture.awaitReplicated(master);

        FailoverFixture.holdBackReplication(master, replica, LockNames.encode(name));
        Lease latest = holderClient.lock(name).acquire();
        long token = latest.fencingToken();
        assertThat(token).isGreaterThan(replicated);
        assertThat(resource.write(token, "holder")).isTrue();
        master.kill();
        replica.resume();
        fixture.awaitPromotionOf(replica);

        try (Jedis promoted = new Jedis("127.0.0.1", replica.port())) {
            assertThat(promoted.get(keys(name).fence())).as("the promoted replica's last token: it missed the latest")
                    .isEqualTo(Long.toString(replicated));
            assertThat(promoted.exists(keys(name).lock())).as("the latest lease on the promoted replica").isFalse();
        }
        Lease next = acquireAfterFailover(otherClient, name);
        assertThat(next.fencingToken()).as("first token after the promotion").isGreaterThan(token);
        assertThat(resource.write(next.fencingToken(), "after the failover")).isTrue();
        assertThat(resource.write(token, "old holder, late")).isFalse();
        assertThat(latest.lost().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .isIn(LossReason.LEASE_EXPIRED, LossReason.TAKEN_OVER);
        next.release();
    }

    private static Lease acquireAfterFailover(LockClient client, String name) {
        return Timing.await("a client is granted the lock after the failover").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .ignoreExceptionsInstanceOf(LockException.class)
                .until(() -> client.lock(name).tryAcquire(LEASE).orElse(null), Objects::nonNull);
    }
}
