package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.HostAndPort;

/** The unchanged contract suite on the Jedis backend against a Sentinel deployment. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedisSentinelContractTest extends SentinelContractTestBase {

    @Override
    LockClient open(RedisSettings settings, int masterPort, int proxyPort) {
        return RedisLockClient.open(settings, address -> address.getPort() == masterPort
                ? new HostAndPort(address.getHost(), proxyPort) : address);
    }
}
