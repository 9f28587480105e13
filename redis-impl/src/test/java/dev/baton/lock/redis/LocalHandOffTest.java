package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import redis.clients.jedis.Jedis;

/**
 * What waiting costs the server: a client's local waiters stay silent while its own lease holds the
 * lock and are handed the lock on release, and a lock's release channel is not subscribed anew for
 * every wait. Every test has a server of its own, whose command counts it reads.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LocalHandOffTest {

    @RegisterExtension
    final RedisServerExtension server = RedisServerExtension.create();

    private EmbeddedRedis redis;
    private Jedis admin;
    private final List<LockClient> clients = new ArrayList<>();

    @BeforeEach
    void startRedis() {
        redis = server.server();
        admin = new Jedis("127.0.0.1", redis.port());
    }

    @AfterEach
    void stopEverything() {
        clients.forEach(LockClient::close);
        admin.close();
    }

    private LockClient open(String backend) {
        LockClient client = LockClients.open(Map.of("baton.backend", backend,
                "baton.redis.uri", "redis://127.0.0.1:" + redis.port()));
        clients.add(client);
        return client;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"redis", "redisson"})
    void localWaitersSendNothingWhileTheirClientHoldsTheLockAndEachTakesItWithOneScript(String backend)
            throws Exception {
        DistributedLock lock = open(backend).lock("handoff/local");
        lock.acquire().release(); // loads the scripts, so that every later call is one command
        Lease held = lock.acquire();
        long before = scriptCalls();

        List<CompletableFuture<Lease>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiters.add(lock.acquireAsync());
        }
        Timing.await("the local waiters stay silent while the lease holds").during(Duration.ofMillis(300))
                .atMost(Timing.scaled(Duration.ofSeconds(5)))
                .until(() -> waiters.stream().noneMatch(CompletableFuture::isDone) && scriptCalls() == before
                        && admin.pubsubChannels("*handoff*").isEmpty());

        long token = held.fencingToken();
        held.release();
        for (CompletableFuture<Lease> waiter : waiters) {
            Lease lease = waiter.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
            assertThat(lease.fencingToken()).isGreaterThan(token);
            token = lease.fencingToken();
            lease.release();
        }
        assertThat(scriptCalls() - before).as("scripts run: one release, then an acquire and a release each")
                .isEqualTo(1 + 2 * waiters.size());
    }

    @Test
    void aLockContendedAgainAndAgainIsSubscribedOnce() throws Exception {
        DistributedLock holder = open("redis").lock("handoff/again");
        DistributedLock waiter = open("redis").lock("handoff/again");
        Timing.await("both clients' subscriptions are up").until(() -> admin.pubsubChannels("baton:client:*").size() == 2);
        long subscribes = commandCalls("subscribe");
        long unsubscribes = commandCalls("unsubscribe");

        for (int round = 0; round < 5; round++) {
            Lease held = holder.acquire();
            CompletableFuture<Lease> waiting = waiter.acquireAsync();
            Timing.await("the waiter listens for the release")
                    .until(() -> admin.pubsubNumSub("baton:released:{handoff%2Fagain}").values().stream()
                            .mapToLong(Long::longValue).sum() == 1 && !waiting.isDone());
            held.release();
            waiting.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS).release();
        }

        assertThat(commandCalls("subscribe") - subscribes).as("SUBSCRIBE calls").isEqualTo(1);
        assertThat(commandCalls("unsubscribe") - unsubscribes).as("UNSUBSCRIBE calls").isZero();
    }

    private long scriptCalls() {
        return commandCalls("eval") + commandCalls("evalsha");
    }

    /** How often the server has run {@code command}, from INFO commandstats. */
    private long commandCalls(String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        return admin.info("commandstats").lines().filter(line -> line.startsWith(prefix))
                .mapToLong(line -> Long.parseLong(line.substring(prefix.length(), line.indexOf(',')))).sum();
    }
}
