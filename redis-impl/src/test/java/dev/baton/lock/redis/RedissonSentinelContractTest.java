package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.redisson.misc.RedisURI;

/** The unchanged contract suite on the Redisson adapter against a Sentinel deployment. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedissonSentinelContractTest extends SentinelContractTestBase {

    @Override
    LockClient open(RedisSettings settings, int masterPort, int proxyPort) {
        return RedissonLockClient.open(settings, config -> config.useSentinelServers().setNatMapper(uri ->
                uri.getPort() == masterPort ? new RedisURI(uri.getScheme(), uri.getHost(), proxyPort) : uri));
    }
}
