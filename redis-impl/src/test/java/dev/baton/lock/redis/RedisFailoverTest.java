package dev.baton.lock.redis;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Sentinel and Cluster failover on the Jedis backend. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedisFailoverTest extends FailoverTestBase {

    @Override
    String backendName() {
        return "redis";
    }
}
