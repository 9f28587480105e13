package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.HostAndPort;

/** The unchanged contract suite on the Jedis backend against a three-master Redis Cluster. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedisClusterContractTest extends ClusterContractTestBase {

    @Override
    LockClient open(RedisSettings settings, Map<Integer, Integer> proxyPorts) {
        return RedisLockClient.open(settings, address -> new HostAndPort(address.getHost(),
                proxyPorts.getOrDefault(address.getPort(), address.getPort())));
    }
}
