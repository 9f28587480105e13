package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.RecipeContractTest;
import dev.baton.lock.testkit.ProxiedClients;
import dev.baton.lock.testkit.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The unchanged contract suite against a three-master Redis Cluster. Each client reaches every node
 * through proxies of its own: the client library's address mapper rewrites the node addresses the
 * cluster announces to that client's proxies.
 */
@Tag("slow")
abstract class ClusterContractTestBase extends RecipeContractTest {

    private static RedisClusterFixture cluster;
    @RegisterExtension
    static final ProxiedClients PROXIED = new ProxiedClients();

    @BeforeAll
    static void startCluster() {
        cluster = RedisClusterFixture.start(3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    /** The settings a user would write for this cluster. */
    static RedisSettings settings(String seeds) {
        List<ConfigKey<?>> known = new ArrayList<>(BatonConfig.COMMON_KEYS);
        known.addAll(RedisConfigKeys.ALL);
        return RedisSettings.from(BatonConfig.parse(Map.of(
                "baton.redis.cluster.nodes", seeds,
                "baton.lock.lease-time", StandaloneContractTestBase.LEASE_TIME.toMillis() + "ms",
                "baton.redis.timeout", "2s"), known));
    }

    /**
     * Opens a client on {@code settings}, whose seeds are this client's proxies, and which must
     * send every connection to a node's real port to the proxy {@code proxyPorts} names instead.
     */
    abstract LockClient open(RedisSettings settings, Map<Integer, Integer> proxyPorts);

    ClusterContractTestBase() {
        super(PROXIED);
    }

    @Override
    protected LockClient newClient() {
        List<EmbeddedRedis> nodes = cluster.nodes();
        return PROXIED.open(nodes.stream().map(EmbeddedRedis::address).toList(), proxies -> {
            Map<Integer, Integer> proxyPorts = new ConcurrentHashMap<>();
            List<String> seeds = new ArrayList<>();
            for (int i = 0; i < nodes.size(); i++) {
                TcpProxy proxy = proxies.get(i);
                proxyPorts.put(nodes.get(i).port(), proxy.port());
                seeds.add("127.0.0.1:" + proxy.port());
            }
            return open(settings(String.join(",", seeds)), proxyPorts);
        });
    }

    @Override
    protected Duration lossHorizon() {
        return StandaloneContractTestBase.LEASE_TIME;
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        return StandaloneContractTestBase.outsideNamespace(cluster.nodes());
    }
}
