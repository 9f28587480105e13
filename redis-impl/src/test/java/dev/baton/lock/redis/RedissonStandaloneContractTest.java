package dev.baton.lock.redis;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** The unchanged contract suite on the Redisson adapter against a standalone server. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedissonStandaloneContractTest extends StandaloneContractTestBase {

    @Override
    String backendName() {
        return "redisson";
    }
}
