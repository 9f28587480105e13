package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/** Opening, wrapping and closing clients: nothing is left running, and wrapped clients stay the caller's. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ClientLifecycleTest {

    @RegisterExtension
    static final RedisServerExtension redis = RedisServerExtension.create();

    @Test
    void closedClientsLeaveNoThreadsBehind() throws Exception {
        for (String backend : List.of("redis", "redisson")) {
            List<LockClient> clients = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                clients.add(LockClients.open(Map.of("baton.backend", backend,
                        "baton.redis.uri", "redis://127.0.0.1:" + redis.port())));
            }
            Lease held = clients.get(0).lock("lifecycle/" + backend).acquire();
            CompletableFuture<Lease> waiting = clients.get(1).lock("lifecycle/" + backend).acquireAsync();
            held.release();
            waiting.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS).release();
            clients.forEach(LockClient::close);
        }
        Timing.await("every client thread has ended").atMost(Timing.scaled(Duration.ofSeconds(15)))
                .until(() -> clientThreads().isEmpty());
    }

    /**
     * A Jedis client has five threads of its own and at most 16 pooled connections plus its
     * subscription, however many locks and waiters it has: here 64 callers take and release 64
     * locks at once on one client while it also holds 20 leases and 200 requests wait.
     */
    @Test
    void aClientHasFiveThreadsAndAtMostSeventeenConnectionsHoweverManyLocksAndWaiters() throws Exception {
        try (LockClient holder = LockClients.open(Map.of("baton.backend", "redis",
                "baton.redis.uri", "redis://127.0.0.1:" + redis.port()));
                Jedis admin = new Jedis("127.0.0.1", redis.port())) {
            List<Lease> held = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                held.add(holder.lock("busy/held-" + i).acquire());
            }
            int others = admin.clientList().split("\n").length;
            try (LockClient busy = LockClients.open(Map.of("baton.backend", "redis",
                    "baton.redis.uri", "redis://127.0.0.1:" + redis.port()))) {
                List<CompletableFuture<Lease>> waiting = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    waiting.add(busy.lock("busy/held-" + (i % 20)).acquireAsync());
                }
                List<Lease> own = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    own.add(busy.lock("busy/own-" + i).acquire());
                }
                ExecutorService callers = Executors.newFixedThreadPool(64);
                AtomicInteger mostConnections = new AtomicInteger();
                AtomicInteger mostThreads = new AtomicInteger();
                try {
                    List<Future<?>> runs = new ArrayList<>();
                    for (int c = 0; c < 64; c++) {
                        String name = "busy/caller-" + c;
                        runs.add(callers.submit(() -> {
                            for (int i = 0; i < 20; i++) {
                                busy.lock(name).acquire().release();
                            }
                            return null;
                        }));
                    }
                    Timing.await("64 callers take and release their locks 20 times").until(() -> {
                        mostConnections.accumulateAndGet(admin.clientList().split("\n").length - others, Math::max);
                        mostThreads.accumulateAndGet((int) clientThreads().stream()
                                .filter(name -> name.startsWith("baton-redis-")).count(), Math::max);
                        return runs.stream().allMatch(Future::isDone);
                    });
                    for (Future<?> run : runs) {
                        run.get(); // none failed
                    }
                } finally {
                    callers.shutdownNow();
                }
                assertThat(mostThreads.get()).as("threads of the two clients, at most").isLessThanOrEqualTo(10);
                assertThat(mostConnections.get()).as("the busy client's connections, at most").isLessThanOrEqualTo(17);
                own.forEach(Lease::release);
                held.forEach(Lease::release);
                for (CompletableFuture<Lease> request : waiting) {
                    request.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS).release();
                }
            }
        }
    }

    private static List<String> clientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(name -> name.startsWith("baton-redis") || name.startsWith("redisson-"))
                .collect(Collectors.toList());
    }

    @Test
    void aWaitOfCenturiesWaitsInsteadOfOverflowing() throws Exception {
        for (String backend : List.of("redis", "redisson")) {
            try (LockClient holder = LockClients.open(Map.of("baton.backend", backend,
                    "baton.redis.uri", "redis://127.0.0.1:" + redis.port()));
                    LockClient waiter = LockClients.open(Map.of("baton.backend", backend,
                            "baton.redis.uri", "redis://127.0.0.1:" + redis.port()))) {
                String name = "centuries/" + backend;
                Lease held = holder.lock(name).acquire();
                CompletableFuture<java.util.Optional<Lease>> waiting = CompletableFuture.supplyAsync(() -> {
                    try {
                        return waiter.lock(name).tryAcquire(Duration.ofDays(365L * 500));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
                Timing.await("the long wait is still waiting").during(Duration.ofMillis(300)).until(() -> !waiting.isDone());
                held.release();
                waiting.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS).orElseThrow().release();
            }
        }
    }

    @Test
    void wrappedJedisClientLocksAndStaysOpenAfterTheLockClientCloses() throws Exception {
        try (RedisClient jedis = RedisClient.create("127.0.0.1", redis.port())) {
            RedisLockClient locks = RedisLockClient.wrap(jedis, RedisLockOptions.withLeaseTime(Duration.ofSeconds(5)));
            Lease lease = locks.lock("wrapped/jedis").acquire();
            assertThat(lease.fencingToken()).isPositive();
            locks.close();
            assertThat(lease.lost().get(5, TimeUnit.SECONDS)).isEqualTo(LossReason.CLIENT_CLOSED);
            assertThat(jedis.ping()).isEqualTo("PONG");
            assertThat(jedis.exists("baton:lock:{wrapped%2Fjedis}")).isFalse();
        }
    }

    @Test
    void wrappedRedissonClientLocksAndStaysOpenAfterTheLockClientCloses() throws Exception {
        Config config = new Config();
        config.useSingleServer().setAddress("redis://127.0.0.1:" + redis.port());
        RedissonClient redisson = Redisson.create(config);
        try {
            RedissonLockClient locks = RedissonLockClient.wrap(redisson, Duration.ofSeconds(5));
            Lease lease = locks.lock("wrapped/redisson").acquire();
            long firstToken = lease.fencingToken();
            CompletableFuture.runAsync(lease::release).get(5, TimeUnit.SECONDS); // another thread releases
            Lease second = locks.lock("wrapped/redisson").tryAcquire(Duration.ZERO).orElseThrow();
            assertThat(second.fencingToken()).isGreaterThan(firstToken);
            locks.close();
            assertThat(redisson.isShutdown()).isFalse();
            assertThat(redisson.getLock("baton:rlock:{wrapped%2Fredisson}").isLocked()).isFalse();
        } finally {
            redisson.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
