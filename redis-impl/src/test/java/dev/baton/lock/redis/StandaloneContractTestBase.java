package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.LockContractTest;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The contract suite against one standalone {@code redis-server}; each client reaches it through a
 * {@link TcpProxy} of its own, which is how a test cuts one client off. Clients are opened from
 * configuration keys, exactly as an application opens them.
 */
abstract class StandaloneContractTestBase extends LockContractTest {

    static final Duration LEASE_TIME = Duration.ofSeconds(2);

    private static RedisProcess redis;
    private static final Map<LockClient, TcpProxy> PROXIES = new ConcurrentHashMap<>();

    /** {@code redis} or {@code redisson}. */
    abstract String backendName();

    @BeforeAll
    static void startRedis() {
        redis = RedisProcess.start();
    }

    @AfterAll
    static void stopRedis() {
        closeProxies();
        if (redis != null) {
            redis.close();
        }
    }

    /** The contract closed the previous test's clients; their proxies can go. */
    @BeforeEach
    void closeProxiesOfClosedClients() {
        closeProxies();
    }

    private static void closeProxies() {
        PROXIES.values().forEach(TcpProxy::close);
        PROXIES.clear();
    }

    @Override
    protected LockClient newClient() {
        TcpProxy proxy = TcpProxy.start(redis.address());
        LockClient client = LockClients.open(Map.of(
                "baton.backend", backendName(),
                "baton.redis.uri", "redis://127.0.0.1:" + proxy.port(),
                "baton.lock.lease-time", LEASE_TIME.toMillis() + "ms",
                "baton.redis.timeout", "2s"));
        PROXIES.put(client, proxy);
        return client;
    }

    @Override
    protected void cutConnection(LockClient client) {
        PROXIES.get(client).cut();
    }

    @Override
    protected void restoreConnection(LockClient client) {
        PROXIES.get(client).restore();
    }

    @Override
    protected Duration lossHorizon() {
        return LEASE_TIME;
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        return outsideNamespace(List.of(redis));
    }

    /**
     * Keys outside {@code baton:} on the given servers. Keys that vanish within a moment are not
     * counted: Redisson's unlock writes a short-lived latch key and deletes it right after.
     */
    static Collection<String> outsideNamespace(List<RedisProcess> servers) {
        Supplier<List<String>> outside = () -> servers.stream().flatMap(s -> s.keys().stream())
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
