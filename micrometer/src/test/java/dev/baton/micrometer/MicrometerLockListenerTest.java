package dev.baton.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.RedisClient;

/** The meters after real operations against a real ZooKeeper server and a real redis-server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MicrometerLockListenerTest {

    private static TestingServer zookeeper;
    private static EmbeddedRedis redis;

    private MeterRegistry registry;

    @BeforeAll
    static void startServers() throws Exception {
        zookeeper = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, 0, null, "127.0.0.1"), true);
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stopServers() throws Exception {
        if (redis != null) {
            redis.close();
        }
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @BeforeEach
    void newRegistry() {
        registry = new SimpleMeterRegistry();
    }

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    @Test
    void acquisitionsTimeoutsCancellationsAndHoldTimeAreRecordedPerBackend() throws Exception {
        try (LockClient first = zookeeperClient(LockNameTag.NONE); LockClient second = zookeeperClient(LockNameTag.NONE)) {
            DistributedLock lock = first.lock("orders/1");
            Lease lease = lock.acquire();
            assertThat(gauge(MicrometerLockListener.ACTIVE, "zookeeper")).isEqualTo(1.0);

            assertThat(second.lock("orders/1").tryAcquire(Duration.ofMillis(50))).isEmpty();
            CompletableFuture<Lease> pending = second.lock("orders/1").acquireAsync();
            Timing.await().until(() -> gauge(MicrometerLockListener.WAITING, "zookeeper") == 1.0);
            pending.cancel(true);
            lease.release();

            assertThat(timerCount(MicrometerLockListener.ACQUIRE, "zookeeper", "outcome", "acquired")).isEqualTo(1);
            assertThat(timerCount(MicrometerLockListener.ACQUIRE, "zookeeper", "outcome", "timed-out")).isEqualTo(1);
            Timing.await().until(() -> timerCount(MicrometerLockListener.ACQUIRE, "zookeeper", "outcome", "cancelled") == 1);
            assertThat(timerCount(MicrometerLockListener.HELD, "zookeeper", "end", "released")).isEqualTo(1);
            assertThat(gauge(MicrometerLockListener.ACTIVE, "zookeeper")).isZero();
            assertThat(gauge(MicrometerLockListener.WAITING, "zookeeper")).isZero();
            assertThat(registry.find(MicrometerLockListener.ACQUIRE).tagKeys("lock").meters())
                    .as("no tag per lock name unless asked for").isEmpty();
        }
    }

    @Test
    void aLeaseLostWithTheServerIsCountedWithItsReasonAndTheConnectionStates() throws Exception {
        Map<String, String> config = zookeeperConfig();
        config.put("baton.zookeeper.lost-on", "session-lost");
        try (LockClient client = LockClients.open(config, new MicrometerLockListener(registry))) {
            Lease lease = client.lock("reports/nightly").acquire();
            zookeeper.stop();
            try {
                Timing.await().until(() -> lost("zookeeper", LossReason.SESSION_EXPIRED) == 1.0);
            } finally {
                zookeeper.restart();
            }
            assertThat(lease.isValid()).isFalse();
            assertThat(timerCount(MicrometerLockListener.HELD, "zookeeper", "end", "lost")).isEqualTo(1);
            assertThat(gauge(MicrometerLockListener.ACTIVE, "zookeeper")).isZero();
            assertThat(states("SUSPENDED")).isEqualTo(1.0);
            // The lease ends at the client's local session deadline, before Curator could report
            // LOST; whether LOST follows depends on whether the session expired before the server
            // came back.
            assertThat(states("LOST")).isLessThanOrEqualTo(1.0);
            Timing.await().until(() -> states("RECONNECTED") >= 1.0);
        }
    }

    @Test
    void lockNamesBecomeTagsOnlyWhenAskedFor() throws Exception {
        try (LockClient client = zookeeperClient(LockNameTag.PREFIX)) {
            client.lock("orders/7").acquire().release();
            client.lock("invoices/7").acquire().release();
        }
        assertThat(registry.get(MicrometerLockListener.ACQUIRE).tags("lock", "orders", "outcome", "acquired").timer().count())
                .isEqualTo(1);
        assertThat(registry.get(MicrometerLockListener.ACQUIRE).tags("lock", "invoices").timer().count()).isEqualTo(1);
    }

    @Test
    void redisRenewalsAndALeaseTakenOverAreCounted() throws Exception {
        Duration leaseTime = Timing.scaled(Duration.ofMillis(600));
        Map<String, String> config = Map.of("baton.backend", "redis", "baton.redis.uri", redis.uri(),
                "baton.lock.lease-time", leaseTime.toMillis() + "ms");
        try (LockClient client = LockClients.open(config, new MicrometerLockListener(registry));
                RedisClient raw = RedisClient.create(redis.uri())) {
            Lease lease = client.lock("jobs/cleanup").acquire();
            Timing.await().until(() -> renewals("renewed") >= 2);
            assertThat(raw.del("baton:lock:{jobs%2Fcleanup}")).isEqualTo(1);

            Timing.await().until(() -> lost("redis", LossReason.TAKEN_OVER) == 1.0);
            assertThat(renewals("taken-over")).isEqualTo(1);
            assertThat(lease.lost().get(1, TimeUnit.SECONDS)).isEqualTo(LossReason.TAKEN_OVER);
            assertThat(gauge(MicrometerLockListener.ACTIVE, "redis")).isZero();
            assertThat(timerCount(MicrometerLockListener.ACQUIRE, "redis", "outcome", "acquired")).isEqualTo(1);
        }
    }

    @Test
    void aClosedClientsLeasesCountAsLostWithClientClosed() throws Exception {
        LockClient client = zookeeperClient(LockNameTag.NONE);
        client.lock("a").acquire();
        client.close();
        Timing.await().until(() -> lost("zookeeper", LossReason.CLIENT_CLOSED) == 1.0);
        assertThat(gauge(MicrometerLockListener.ACTIVE, "zookeeper")).isZero();
    }

    private LockClient zookeeperClient(LockNameTag tag) {
        return LockClients.open(zookeeperConfig(), new MicrometerLockListener(registry, tag));
    }

    private static Map<String, String> zookeeperConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("baton.backend", "zookeeper");
        config.put("baton.zookeeper.connect", zookeeper.getConnectString());
        config.put("baton.zookeeper.session-timeout", Timing.scaled(Duration.ofMillis(1500)).toMillis() + "ms");
        config.put("baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(5)).toMillis() + "ms");
        return config;
    }

    private double gauge(String name, String backend) {
        return registry.get(name).tags("backend", backend).gauge().value();
    }

    private long timerCount(String name, String backend, String tag, String value) {
        var timer = registry.find(name).tags("backend", backend, tag, value).timer();
        return timer == null ? 0 : timer.count();
    }

    private double lost(String backend, LossReason reason) {
        var counter = registry.find(MicrometerLockListener.LOST).tags("backend", backend, "reason", reason.name()).counter();
        return counter == null ? 0 : counter.count();
    }

    private double states(String state) {
        var counter = registry.find(MicrometerLockListener.CONNECTION_STATES).tags("state", state).counter();
        return counter == null ? 0 : counter.count();
    }

    private double renewals(String result) {
        var counter = registry.find(MicrometerLockListener.RENEWALS).tags("backend", "redis", "result", result).counter();
        return counter == null ? 0 : counter.count();
    }
}
