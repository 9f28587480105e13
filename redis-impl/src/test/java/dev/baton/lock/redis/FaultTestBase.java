package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import dev.baton.lock.Leadership;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.lock.LossReason;
import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.FencedResource;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults done to real processes: the server killed, restarted empty, or stopped with SIGSTOP; and
 * a holder whose watchdog stalls, as in a long GC pause. Every test has a server of its own.
 */
@Tag("slow")
abstract class FaultTestBase {

    static final Duration LEASE = Duration.ofSeconds(1);

    @RegisterExtension
    final RedisServerExtension server = RedisServerExtension.create();

    private EmbeddedRedis redis;
    private final List<LockClient> clients = new ArrayList<>();

    /** {@code redis} or {@code redisson}. */
    abstract String backendName();

    /** Stalls or resumes the client's watchdog renewals. */
    abstract void pauseRenewals(LockClient client, boolean paused);

    @BeforeEach
    void startRedis() {
        redis = server.server();
    }

    @AfterEach
    void stopEverything() {
        clients.forEach(LockClient::close);
    }

    private LockClient open() {
        return open("500ms");
    }

    /** A client whose commands wait {@code commandTimeout} for a reply. */
    private LockClient open(String commandTimeout) {
        LockClient client = LockClients.open(Map.of(
                "baton.backend", backendName(),
                "baton.redis.uri", "redis://127.0.0.1:" + redis.port(),
                "baton.lock.lease-time", LEASE.toMillis() + "ms",
                "baton.redis.timeout", commandTimeout,
                "baton.redis.connect-timeout", "500ms"));
        clients.add(client);
        return client;
    }

    /**
     * Stops Redis, starts {@code request} (whose acquire is then sent to the stopped server), and
     * resumes Redis once it has been stopped for longer than the lease: the server then grants
     * the acquire, and the reply reaches a client whose lease would have expired already.
     */
    private <T> T grantArrivingAfterTheLease(java.util.concurrent.Callable<T> request) throws Exception {
        long stoppedAt = System.nanoTime();
        redis.pause();
        CompletableFuture<T> answer;
        try {
            answer = CompletableFuture.supplyAsync(() -> {
                try {
                    return request.call();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            Timing.await("Redis has been stopped for longer than the lease")
                    .atMost(Timing.scaled(LEASE.plusSeconds(5)))
                    .until(() -> System.nanoTime() - stoppedAt > LEASE.multipliedBy(3).dividedBy(2).toNanos());
            assertThat(answer).as("nothing can answer while Redis is stopped").isNotDone();
        } finally {
            redis.resume();
        }
        return answer.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
    }

    /** Issue 15: a single attempt granted too late gives the lock back and answers "not acquired". */
    @Test
    void singleAttemptGrantedAfterItsLeaseExpiredReturnsNothingAndFreesTheLock() throws Exception {
        LockClient client = open("3s"); // longer than the lease, so the late reply is awaited
        Optional<Lease> lease = grantArrivingAfterTheLease(() -> client.lock("late/once").tryAcquire(Duration.ZERO));

        assertThat(lease).as("a lease granted after its own deadline").isEmpty();
        Lease next = Timing.await("the late grant is given back").atMost(Timing.scaled(Duration.ofSeconds(10)))
                .until(() -> open().lock("late/once").tryAcquire(Duration.ZERO).orElse(null), l -> l != null);
        assertThat(next.isValid()).isTrue();
        next.release();
    }

    /** Issue 15: a waiting request granted too late gives that grant back and waits on, within its wait. */
    @Test
    void waitingRequestGrantedAfterItsLeaseExpiredKeepsWaitingAndReturnsALiveLease() throws Exception {
        LockClient client = open("3s");
        Optional<Lease> lease = grantArrivingAfterTheLease(
                () -> client.lock("late/waiting").tryAcquire(Timing.scaled(Duration.ofSeconds(15))));

        Lease granted = lease.orElseThrow();
        assertThat(granted.isValid()).isTrue();
        long token = granted.fencingToken();
        assertThat(open().lock("late/waiting").tryAcquire(Duration.ZERO)).as("the lock is held by the live lease").isEmpty();
        granted.release();
        try (Lease after = open().lock("late/waiting").acquire()) {
            assertThat(after.fencingToken()).isGreaterThan(token);
        }
    }

    @Test
    void killingRedisTellsHoldersAndFailsWaitersCleanly() throws Exception {
        LockClient holderClient = open();
        LockClient waiterClient = open();
        Lease held = holderClient.lock("orders/1").acquire();
        CompletableFuture<Lease> waiting = waiterClient.lock("orders/1").acquireAsync();
        Timing.await("the waiter waits").during(Duration.ofMillis(200)).until(() -> !waiting.isDone());

        redis.kill();

        Timing.await("the holder is told").atMost(Timing.scaled(LEASE.plusSeconds(2))).until(() -> held.lost().isDone());
        assertThat(held.lost().join()).isEqualTo(LossReason.LEASE_EXPIRED);
        assertThat(held.isValid()).isFalse();
        assertThatThrownBy(held::fencingToken).isInstanceOf(IllegalStateException.class);
        Timing.await("the waiter gives up").atMost(Timing.scaled(Duration.ofSeconds(20))).until(waiting::isDone);
        assertThatThrownBy(waiting::join).hasCauseInstanceOf(LockException.class);
        assertTimeout(Timing.scaled(Duration.ofSeconds(3)), held::release, "release() with Redis gone");
        assertThatThrownBy(() -> waiterClient.lock("orders/1").tryAcquire(Duration.ZERO))
                .isInstanceOf(LockException.class);
    }

    @Test
    void waitersRecoverWhenRedisComesBackEmpty() throws Exception {
        LockClient holderClient = open();
        LockClient waiterClient = open();
        FencedResource resource = new FencedResource();
        Lease held = holderClient.lock("orders/2").acquire();
        long oldToken = held.fencingToken();
        assertThat(resource.write(oldToken, "before the crash")).isTrue();
        CompletableFuture<Lease> waiting = waiterClient.lock("orders/2").acquireAsync();

        redis.restart();

        Lease next = waiting.get(Timing.scaled(Duration.ofSeconds(20)).toMillis(), TimeUnit.MILLISECONDS);
        assertThat(next.fencingToken()).isGreaterThan(oldToken);
        assertThat(resource.write(next.fencingToken(), "after the crash")).isTrue();
        Timing.await("the old holder is told").atMost(Timing.scaled(LEASE.plusSeconds(2))).until(() -> held.lost().isDone());
        assertThat(resource.write(oldToken, "late write of the old holder")).isFalse();
        next.release();
    }

    @Test
    void tokensKeepIncreasingAfterRedisRestartsWithoutItsData() throws Exception {
        LockClient client = open();
        long highest = Long.MIN_VALUE;
        for (int i = 0; i < 5; i++) {
            try (Lease lease = client.lock("orders/3").acquire()) {
                assertThat(lease.fencingToken()).isGreaterThan(highest);
                highest = lease.fencingToken();
            }
        }
        redis.restart();
        assertThat(RedisAdmin.keys(redis)).as("nothing survived the restart").isEmpty();

        long before = highest;
        Timing.await("the client works again").atMost(Timing.scaled(Duration.ofSeconds(10)))
                .ignoreExceptionsInstanceOf(LockException.class)
                .until(() -> {
                    Optional<Lease> lease = client.lock("orders/3").tryAcquire(Duration.ofMillis(200));
                    lease.ifPresent(l -> {
                        assertThat(l.fencingToken()).as("first token after the restart").isGreaterThan(before);
                        l.release();
                    });
                    return lease.isPresent();
                });
    }

    /** Elections, read-write locks and semaphores: no term or token goes back when Redis loses its data. */
    @Test
    void recipeTermsAndTokensKeepIncreasingAfterRedisRestartsWithoutItsData() throws Exception {
        LockClient client = open();
        long term;
        try (Leadership leader = client.election("recipes/election").campaign()) {
            term = leader.term();
        }
        long readToken;
        long writeToken;
        try (Lease read = client.readWriteLock("recipes/rw").readLock().acquire()) {
            readToken = read.fencingToken();
        }
        try (Lease write = client.readWriteLock("recipes/rw").writeLock().acquire()) {
            writeToken = write.fencingToken();
        }
        long permitToken;
        try (Lease permit = client.semaphore("recipes/semaphore", 2).acquire()) {
            permitToken = permit.fencingToken();
        }
        redis.restart();
        assertThat(RedisAdmin.keys(redis)).as("nothing survived the restart").isEmpty();

        Timing.await("the client works again").atMost(Timing.scaled(Duration.ofSeconds(10)))
                .ignoreExceptionsInstanceOf(LockException.class)
                .until(() -> client.election("recipes/election").tryCampaign(Duration.ofMillis(200)).map(leader -> {
                    assertThat(leader.term()).as("first term after the restart").isGreaterThan(term);
                    leader.resign();
                    return true;
                }).orElse(false));
        try (Lease write = client.readWriteLock("recipes/rw").writeLock().acquire()) {
            assertThat(write.fencingToken()).as("first write token after the restart")
                    .isGreaterThan(Math.max(readToken, writeToken));
        }
        try (Lease read = client.readWriteLock("recipes/rw").readLock().acquire()) {
            assertThat(read.fencingToken()).as("first read token after the restart").isGreaterThan(writeToken);
        }
        try (Lease permit = client.semaphore("recipes/semaphore", 2).acquire()) {
            assertThat(permit.fencingToken()).as("first permit token after the restart").isGreaterThan(permitToken);
        }
    }

    @Test
    void stoppingRedisLongerThanTheLeaseNeverLeavesTwoValidHolders() throws Exception {
        LockClient holderClient = open();
        LockClient otherClient = open();
        FencedResource resource = new FencedResource();
        Lease held = holderClient.lock("orders/4").acquire();
        long oldToken = held.fencingToken();
        assertThat(resource.write(oldToken, "holder")).isTrue();

        long stoppedAt = System.nanoTime();
        redis.pause();
        try {
            Timing.await("the holder is told while Redis is stopped").atMost(Timing.scaled(LEASE.plusSeconds(2)))
                    .until(() -> held.lost().isDone());
            Timing.await("Redis has been stopped for longer than the lease")
                    .atMost(Timing.scaled(LEASE.plusSeconds(5)))
                    .until(() -> System.nanoTime() - stoppedAt > LEASE.multipliedBy(3).dividedBy(2).toNanos());
        } finally {
            redis.resume();
        }

        AtomicReference<Boolean> holderValidAtGrant = new AtomicReference<>();
        Lease next = Timing.await("another client gets the lock").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .ignoreExceptionsInstanceOf(LockException.class)
                .until(() -> otherClient.lock("orders/4").tryAcquire(LEASE).map(lease -> {
                    holderValidAtGrant.set(held.isValid());
                    return lease;
                }).orElse(null), lease -> lease != null);
        assertThat(holderValidAtGrant.get()).as("old holder still valid at the new grant").isFalse();
        assertThat(held.lost().join()).isIn(LossReason.LEASE_EXPIRED, LossReason.TAKEN_OVER);
        assertThat(next.fencingToken()).isGreaterThan(oldToken);
        assertThat(resource.write(next.fencingToken(), "new holder")).isTrue();
        assertThat(resource.write(oldToken, "stale holder")).isFalse();
        next.release();
    }

    @Test
    void pausedHolderIsToldBeforeAnotherClientAcquires() throws Exception {
        LockClient holderClient = open();
        LockClient otherClient = open();
        FencedResource resource = new FencedResource();
        Lease held = holderClient.lock("orders/5").acquire();
        long oldToken = held.fencingToken();
        assertThat(resource.write(oldToken, "holder")).isTrue();

        pauseRenewals(holderClient, true);
        AtomicReference<Boolean> holderToldAtGrant = new AtomicReference<>();
        Lease next = otherClient.lock("orders/5").acquireAsync().thenApply(lease -> {
            holderToldAtGrant.set(held.lost().isDone());
            return lease;
        }).get(Timing.scaled(LEASE.plusSeconds(5)).toMillis(), TimeUnit.MILLISECONDS);

        assertThat(holderToldAtGrant.get()).as("paused holder told before the new grant").isTrue();
        assertThat(held.lost().join()).isEqualTo(LossReason.LEASE_EXPIRED);
        assertThat(resource.write(next.fencingToken(), "new holder")).isTrue();
        assertThat(resource.write(oldToken, "paused holder, late")).isFalse();
        next.release();
        pauseRenewals(holderClient, false);
    }

    @Test
    void leasesOutliveTheirLeaseTimeWhileRenewed() throws Exception {
        LockClient client = open();
        Lease held = client.lock("orders/6").acquire();
        long start = System.nanoTime();
        Timing.await("three lease times pass").atMost(Timing.scaled(LEASE.multipliedBy(6)))
                .until(() -> System.nanoTime() - start > LEASE.multipliedBy(3).toNanos());
        assertThat(held.isValid()).isTrue();
        assertThat(held.lost()).isNotDone();
        assertThat(open().lock("orders/6").tryAcquire(Duration.ZERO)).isEmpty();
        held.release();
    }

}
