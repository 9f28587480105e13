package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Leadership;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Jedis client and a Redisson-adapter client on one Redis take part in the same election,
 * read-write lock and semaphore (as a fleet does while it moves from one to the other): the
 * adapter runs Baton's recipe scripts on Baton's keys, so there is one leader, terms keep growing
 * across the two, a writer on one waits for a reader on the other, and they share a semaphore's
 * permits and must agree on their number. (The plain lock is the exception the README states: the
 * adapter keeps Redisson's own lock format there, so the two do not exclude each other.)
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class MixedClientsTest {

    @RegisterExtension
    static final RedisServerExtension redis = RedisServerExtension.create();
    private LockClient jedis;
    private LockClient redisson;

    @BeforeEach
    void open() {
        String uri = "redis://127.0.0.1:" + redis.port();
        jedis = LockClients.open(Map.of("baton.backend", "redis", "baton.redis.uri", uri));
        redisson = LockClients.open(Map.of("baton.backend", "redisson", "baton.redis.uri", uri));
    }

    @AfterEach
    void close() throws Exception {
        jedis.close();
        redisson.close();
    }

    private static <T> T await(CompletableFuture<T> pending) throws Exception {
        return pending.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void assertWaits(CompletableFuture<?> pending, String what) {
        Timing.await(what + " waits").during(Duration.ofMillis(200)).until(() -> !pending.isDone());
    }

    @Test
    void oneLeaderAcrossTheTwoWithGrowingTerms() throws Exception {
        Leadership first = jedis.election("mixed-election").campaign();
        CompletableFuture<Leadership> second = redisson.election("mixed-election").campaignAsync();
        assertWaits(second, "the Redisson candidate");
        first.resign();
        Leadership leader = await(second);
        assertThat(leader.term()).isGreaterThan(first.term());
        CompletableFuture<Leadership> third = jedis.election("mixed-election").campaignAsync();
        assertWaits(third, "the Jedis candidate");
        leader.resign();
        assertThat(await(third).term()).isGreaterThan(leader.term());
        await(third).resign();
    }

    @Test
    void aWriterOnOneWaitsForAReaderOnTheOther() throws Exception {
        Lease reader = jedis.readWriteLock("mixed-rw").readLock().acquire();
        Lease otherReader = redisson.readWriteLock("mixed-rw").readLock().tryAcquire(Duration.ZERO)
                .orElseThrow(() -> new AssertionError("readers share the lock across clients"));
        CompletableFuture<Lease> writer = redisson.readWriteLock("mixed-rw").writeLock().acquireAsync();
        assertWaits(writer, "the writer");
        reader.release();
        otherReader.release();
        await(writer).release();
    }

    @Test
    void aSemaphoresPermitsAreSharedAndMustAgree() throws Exception {
        Lease one = jedis.semaphore("mixed-sem", 2).acquire();
        Lease two = redisson.semaphore("mixed-sem", 2).acquire();
        assertThat(jedis.semaphore("mixed-sem", 2).tryAcquire(Duration.ZERO)).as("a third of two permits").isEmpty();
        assertThatThrownBy(() -> redisson.semaphore("mixed-sem", 3).acquire()).isInstanceOf(LockException.class)
                .hasMessageContaining("permits");
        one.release();
        two.release();
    }
}
