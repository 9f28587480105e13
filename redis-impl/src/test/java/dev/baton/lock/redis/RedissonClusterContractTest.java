package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.redisson.misc.RedisURI;

/** The unchanged contract suite on the Redisson adapter against a three-master Redis Cluster. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedissonClusterContractTest extends ClusterContractTestBase {

    @Override
    LockClient open(RedisSettings settings, Map<Integer, Integer> proxyPorts) {
        return RedissonLockClient.open(settings, config -> config.useClusterServers().setNatMapper(uri ->
                new RedisURI(uri.getScheme(), uri.getHost(), proxyPorts.getOrDefault(uri.getPort(), uri.getPort()))));
    }
}
