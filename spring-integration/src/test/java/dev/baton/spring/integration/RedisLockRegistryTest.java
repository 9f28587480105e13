package dev.baton.spring.integration;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/** The registry behaviour on a real redis-server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisLockRegistryTest extends LockRegistryBehaviourTest {

    private static EmbeddedRedis redis;

    @BeforeAll
    static void startServer() {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stopServer() {
        if (redis != null) {
            redis.close();
        }
    }

    @Override
    LockClient newClient() {
        return LockClients.open(Map.of("baton.backend", "redis", "baton.redis.uri", redis.uri()));
    }
}
