package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Process faults on the Jedis backend. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedisFaultTest extends FaultTestBase {

    @Override
    String backendName() {
        return "redis";
    }

    @Override
    void pauseRenewals(LockClient client, boolean paused) {
        ((RedisLockClient) client).pauseRenewals(paused);
    }
}
