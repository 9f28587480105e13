package dev.baton.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.LockClient;
import dev.baton.lock.testkit.Timing;
import dev.baton.txn.TransactionCoordinator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The same application on a real redis-server, without ZooKeeper (hence without transactions). */
@ExtendWith(ServersAfterContext.class)
@SpringBootTest(classes = TestApplication.class, properties = {"baton.backend=redis", "baton.lock.lease-time=10s"})
@DirtiesContext
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisStarterTest {

    private static EmbeddedRedis redis;

    @Autowired
    private LockClient locks;
    @Autowired
    private OrderService orders;
    @Autowired
    @Qualifier("batonHealthIndicator")
    private HealthIndicator health;
    @Autowired
    private ConfigurableApplicationContext context;

    @BeforeAll
    static void startServer() {
        redis = ServersAfterContext.closeLast(EmbeddedRedis.start());
    }

    @DynamicPropertySource
    static void redis(DynamicPropertyRegistry properties) {
        properties.add("baton.redis.uri", () -> redis.uri());
    }

    @Test
    void theRedisBackendIsConfiguredWithoutTransactionBeans() throws Exception {
        assertThat(locks.backend()).isEqualTo("redis");
        assertThat(context.getBeansOfType(TransactionCoordinator.class)).isEmpty();
        Contention.callConcurrently(orders, 6, 20);
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        redis.close();
        Timing.await().until(() -> health.health().getStatus().equals(Status.DOWN));
    }
}
