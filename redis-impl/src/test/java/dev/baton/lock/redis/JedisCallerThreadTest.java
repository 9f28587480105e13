package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Jedis backend's blocking calls run their scripts on the calling thread, and keep their
 * deadlines when Redis stops answering.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class JedisCallerThreadTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @RegisterExtension
    final RedisServerExtension server = RedisServerExtension.create();

    private EmbeddedRedis redis;
    private LockClient client;

    @BeforeEach
    void start() {
        redis = server.server();
    }

    @AfterEach
    void stop() {
        if (client != null) {
            client.close();
        }
    }

    private LockClient open() {
        client = LockClients.open(Map.of("baton.backend", "redis",
                "baton.redis.uri", "redis://127.0.0.1:" + redis.port(),
                "baton.redis.timeout", TIMEOUT.toMillis() + "ms"));
        return client;
    }

    @Test
    void blockingAcquiresAndReleasesNeedNoClientThread() throws Exception {
        Set<String> before = threadNames();
        DistributedLock lock = open().lock("caller/thread");

        lock.acquire().release();
        lock.tryAcquire(Duration.ZERO).orElseThrow().release();
        lock.tryAcquire(Duration.ofSeconds(1)).orElseThrow().release();

        Set<String> started = threadNames();
        started.removeAll(before);
        assertThat(started).as("threads this client started").anyMatch(name -> name.startsWith("baton-redis-subscriber-"))
                .noneMatch(name -> name.startsWith("baton-redis-attempt-") || name.startsWith("baton-redis-upkeep-"));
    }

    @Test
    void aWaitingTryAcquireKeepsItsDeadlineOnceRedisHasStoppedAnswering() throws Exception {
        DistributedLock lock = open().lock("caller/stalled");
        lock.acquire().release();

        redis.pause();
        try {
            // The first call finds out on its own thread, in one command timeout.
            assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(100))).isInstanceOf(LockException.class);
            long start = System.nanoTime();
            Optional<Lease> second = lock.tryAcquire(Duration.ofMillis(100));
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            assertThat(second).isEmpty();
            assertThat(elapsed).as("second wait, with a %s command timeout", TIMEOUT).isLessThan(TIMEOUT.dividedBy(2));
        } finally {
            redis.resume();
        }
        Timing.await("the client works again").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .ignoreExceptionsInstanceOf(LockException.class)
                .until(() -> {
                    Optional<Lease> lease = lock.tryAcquire(Duration.ofSeconds(1));
                    lease.ifPresent(Lease::release);
                    return lease.isPresent();
                });
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
