package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Process faults on the Redisson adapter. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RedissonFaultTest extends FaultTestBase {

    @Override
    String backendName() {
        return "redisson";
    }

    @Override
    void pauseRenewals(LockClient client, boolean paused) {
        ((RedissonLockClient) client).pauseRenewals(paused);
    }
}
