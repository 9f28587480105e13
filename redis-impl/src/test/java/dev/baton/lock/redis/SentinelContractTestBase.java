package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.testkit.LockContractTest;
import dev.baton.lock.testkit.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The unchanged contract suite against a Sentinel deployment: a master and a Sentinel that
 * monitors it. Clients find the master through the Sentinel, as configured by
 * {@code baton.redis.sentinel.*}; each then reaches the master through a proxy of its own (the
 * client library's address mapper rewrites the master address the Sentinel announces).
 */
abstract class SentinelContractTestBase extends LockContractTest {

    static final String MASTER_NAME = "baton-master";

    private static RedisProcess master;
    private static RedisProcess sentinel;
    private static final Map<LockClient, TcpProxy> PROXIES = new ConcurrentHashMap<>();

    @BeforeAll
    static void startSentinel() {
        master = RedisProcess.start();
        sentinel = RedisProcess.startSentinel(master, MASTER_NAME);
    }

    @AfterAll
    static void stopSentinel() {
        closeProxies();
        if (sentinel != null) {
            sentinel.close();
        }
        if (master != null) {
            master.close();
        }
    }

    @BeforeEach
    void closeProxiesOfClosedClients() {
        closeProxies();
    }

    private static void closeProxies() {
        PROXIES.values().forEach(TcpProxy::close);
        PROXIES.clear();
    }

    /** Opens a client on {@code settings} whose connections to {@code masterPort} go to {@code proxyPort}. */
    abstract LockClient open(RedisSettings settings, int masterPort, int proxyPort);

    @Override
    protected LockClient newClient() {
        TcpProxy proxy = TcpProxy.start(master.address());
        List<ConfigKey<?>> known = new ArrayList<>(BatonConfig.COMMON_KEYS);
        known.addAll(RedisConfigKeys.ALL);
        RedisSettings settings = RedisSettings.from(BatonConfig.parse(Map.of(
                "baton.redis.sentinel.master", MASTER_NAME,
                "baton.redis.sentinel.nodes", "127.0.0.1:" + sentinel.port(),
                "baton.lock.lease-time", StandaloneContractTestBase.LEASE_TIME.toMillis() + "ms",
                "baton.redis.timeout", "2s"), known));
        LockClient client = open(settings, master.port(), proxy.port());
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
        return StandaloneContractTestBase.LEASE_TIME;
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        return StandaloneContractTestBase.outsideNamespace(List.of(master));
    }
}
