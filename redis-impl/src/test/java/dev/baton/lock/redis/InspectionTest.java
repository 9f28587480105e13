package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link LockInspection} on both backends, on a standalone server and a cluster. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
@Tag("slow")
class InspectionTest {

    @RegisterExtension
    static final RedisServerExtension redis = RedisServerExtension.create();
    private static RedisClusterFixture cluster;

    @BeforeAll
    static void startServers() {
        cluster = RedisClusterFixture.start(3);
    }

    @AfterAll
    static void stopServers() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static Stream<Arguments> clients() {
        Supplier<LockClient> jedis = () -> LockClients.open(Map.of("baton.backend", "redis",
                "baton.redis.uri", "redis://127.0.0.1:" + redis.port()));
        Supplier<LockClient> redisson = () -> LockClients.open(Map.of("baton.backend", "redisson",
                "baton.redis.uri", "redis://127.0.0.1:" + redis.port()));
        Supplier<LockClient> jedisCluster = () -> LockClients.open(Map.of("baton.backend", "redis",
                "baton.redis.cluster.nodes", cluster.seeds()));
        Supplier<LockClient> redissonCluster = () -> LockClients.open(Map.of("baton.backend", "redisson",
                "baton.redis.cluster.nodes", cluster.seeds()));
        return Stream.of(Arguments.of("redis, standalone", jedis), Arguments.of("redisson, standalone", redisson),
                Arguments.of("redis, cluster", jedisCluster), Arguments.of("redisson, cluster", redissonCluster));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void heldLocksListsEachHolderAndTokenByNamePrefix(String label, Supplier<LockClient> open) throws Exception {
        try (LockClient client = open.get()) {
            LockInspection inspection = (LockInspection) client;
            String root = "inspect/" + label + "/";
            Lease a = client.lock(root + "a/1").acquire();
            Lease b = client.lock(root + "b/ключ").acquire();
            List<LockInfo> all = inspection.heldLocks(root);
            assertThat(all).extracting(LockInfo::name).containsExactly(root + "a/1", root + "b/ключ");
            assertThat(all).extracting(LockInfo::fencingToken).containsExactly(a.fencingToken(), b.fencingToken());
            assertThat(all).allSatisfy(info -> {
                assertThat(info.holder()).isNotBlank();
                assertThat(info.since()).isEmpty();
                assertThat(info.waiters()).isEqualTo(-1);
            });
            assertThat(inspection.heldLocks(root + "b/")).extracting(LockInfo::name).containsExactly(root + "b/ключ");
            a.release();
            b.release();
            assertThat(inspection.heldLocks(root)).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("clients")
    void heldLocksRejectsANullPrefixAndAClosedClient(String label, Supplier<LockClient> open) {
        LockClient client = open.get();
        assertThatThrownBy(() -> ((LockInspection) client).heldLocks(null)).isInstanceOf(NullPointerException.class);
        client.close();
        assertThatThrownBy(() -> ((LockInspection) client).heldLocks("")).isInstanceOf(IllegalStateException.class);
    }
}
