package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.testkit.RecipeContractTest;
import dev.baton.lock.testkit.ProxiedClients;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The unchanged contract suite against a Sentinel deployment: a master and a Sentinel that
 * monitors it. Clients find the master through the Sentinel, as configured by
 * {@code baton.redis.sentinel.*}; each then reaches the master through a proxy of its own (the
 * client library's address mapper rewrites the master address the Sentinel announces).
 */
@Tag("slow")
abstract class SentinelContractTestBase extends RecipeContractTest {

    static final String MASTER_NAME = "baton-master";

    @RegisterExtension
    static final RedisServerExtension MASTER = RedisServerExtension.create();
    /** Started after the master (extensions start in the order of their fields). */
    @RegisterExtension
    static final RedisServerExtension SENTINEL = RedisServerExtension.create(
            builder -> builder.sentinelOf(MASTER.server(), MASTER_NAME));
    @RegisterExtension
    static final ProxiedClients PROXIED = new ProxiedClients();

    /** Opens a client on {@code settings} whose connections to {@code masterPort} go to {@code proxyPort}. */
    abstract LockClient open(RedisSettings settings, int masterPort, int proxyPort);

    SentinelContractTestBase() {
        super(PROXIED);
    }

    @Override
    protected LockClient newClient() {
        List<ConfigKey<?>> known = new ArrayList<>(BatonConfig.COMMON_KEYS);
        known.addAll(RedisConfigKeys.ALL);
        RedisSettings settings = RedisSettings.from(BatonConfig.parse(Map.of(
                "baton.redis.sentinel.master", MASTER_NAME,
                "baton.redis.sentinel.nodes", "127.0.0.1:" + SENTINEL.port(),
                "baton.lock.lease-time", StandaloneContractTestBase.LEASE_TIME.toMillis() + "ms",
                "baton.redis.timeout", "2s"), known));
        return PROXIED.open(MASTER.server().address(), port -> open(settings, MASTER.port(), port));
    }

    @Override
    protected Duration lossHorizon() {
        return StandaloneContractTestBase.LEASE_TIME;
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        return StandaloneContractTestBase.outsideNamespace(List.of(MASTER.server()));
    }
}
