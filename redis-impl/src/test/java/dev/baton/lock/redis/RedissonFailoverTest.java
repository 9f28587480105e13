package dev.baton.lock.redis;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Sentinel and Cluster failover on the Redisson adapter. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedissonFailoverTest extends FailoverTestBase {

    @Override
    String backendName() {
        return "redisson";
    }
}
