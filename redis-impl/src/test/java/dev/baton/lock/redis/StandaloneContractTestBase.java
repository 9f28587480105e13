package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.redis.internal.Scripts;
import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.RecipeContractTest;
import dev.baton.lock.testkit.ProxiedClients;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The contract suite against one standalone {@code redis-server}; each client reaches it through a
 * {@link TcpProxy} of its own, which is how a test cuts one client off. Clients are opened from
 * configuration keys, exactly as an application opens them.
 */
abstract class StandaloneContractTestBase extends RecipeContractTest {

    static final Duration LEASE_TIME = Duration.ofSeconds(2);

    @RegisterExtension
    static final RedisServerExtension REDIS = RedisServerExtension.create();
    @RegisterExtension
    static final ProxiedClients PROXIED = new ProxiedClients();

    /** {@code redis} or {@code redisson}. */
    abstract String backendName();

    StandaloneContractTestBase() {
        super(PROXIED);
    }

    @Override
    protected LockClient newClient() {
        return PROXIED.open(REDIS.server().address(), port -> LockClients.open(Map.of(
                "baton.backend", backendName(),
                "baton.redis.uri", "redis://127.0.0.1:" + port,
                "baton.lock.lease-time", LEASE_TIME.toMillis() + "ms",
                "baton.redis.timeout", "2s")));
    }

    @Override
    protected Duration lossHorizon() {
        return LEASE_TIME;
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        return outsideNamespace(List.of(REDIS.server()));
    }

    /**
     * The fencing key of a lock lives {@link Scripts#FENCE_TTL} (7 days) from its last lease, as
     * the README's clock assumption says: set on acquire, renewed by the next.
     */
    @Test
    void aLocksFenceKeyExpiresSevenDaysAfterItsLastLease() throws Exception {
        String name = "fence-ttl/" + backendName();
        LockKeys keys = LockKeys.of(RedisLockOptions.DEFAULT_NAMESPACE, name);
        try (LockClient client = newClient(); Jedis redis = new Jedis("127.0.0.1", REDIS.server().port())) {
            client.lock(name).acquire().release();
            long first = redis.pttl(keys.fence());
            assertThat(first).as("TTL of %s in ms", keys.fence())
                    .isBetween(Scripts.FENCE_TTL.minusMinutes(1).toMillis(), Scripts.FENCE_TTL.toMillis());
            redis.pexpire(keys.fence(), 60_000);
            client.lock(name).acquire().release();
            assertThat(redis.pttl(keys.fence())).as("renewed by the next lease")
                    .isGreaterThan(Scripts.FENCE_TTL.minusMinutes(1).toMillis());
        }
    }

    /**
     * Keys outside {@code baton:} on the given servers. Keys that vanish within a moment are not
     * counted: Redisson's unlock writes a short-lived latch key and deletes it right after.
     */
    static Collection<String> outsideNamespace(List<EmbeddedRedis> servers) {
        Supplier<List<String>> outside = () -> servers.stream().flatMap(s -> RedisAdmin.keys(s).stream())
                .filter(key -> !key.startsWith("baton:")).collect(Collectors.toList());
        try {
            Timing.await("keys outside the namespace vanish").atMost(Duration.ofSeconds(2))
                    .until(() -> outside.get().isEmpty());
        } catch (ConditionTimeoutException e) {
            // reported below
        }
        return outside.get();
    }
}
