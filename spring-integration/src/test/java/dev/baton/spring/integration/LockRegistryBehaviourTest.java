package dev.baton.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.LockClient;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.integration.leader.DefaultCandidate;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/**
 * The behaviour Spring Integration's own lock registries are tested for, against
 * {@link BatonLockRegistry}. Spring Integration does not publish those tests as an artifact; these
 * cases are ported from {@code ZkLockRegistryTests} (spring-integration-zookeeper) and
 * {@code RedisLockRegistryTests} (spring-integration-redis): repeated lock and unlock of one key
 * with the cache emptied by {@code expireUnusedOlderThan}; {@code lockInterruptibly}; reentrancy
 * (the same object, locked twice on one thread); two keys at once; a second thread that fails
 * {@code tryLock} with a timeout and may not unlock; a second thread that waits in
 * {@code lockInterruptibly} until the first unlocks, in one registry and across two; unlock from the
 * wrong thread; {@code tryLock} in a loop; the cache capacity under concurrent {@code obtain}; and
 * {@code LockRegistryLeaderInitiator} electing one leader and handing over. Added for Baton: a lock
 * whose lease is lost (here: its time to live ran out) refuses the final unlock with
 * {@link ConcurrentModificationException}, as the Redis registry does for an expired key.
 */
abstract class LockRegistryBehaviourTest {

    private LockClient client;
    private LockClient otherClient;
    private BatonLockRegistry registry;
    private ExecutorService executor;

    /** A new client on the test's server. */
    abstract LockClient newClient();

    @BeforeEach
    void openRegistry() {
        client = newClient();
        otherClient = newClient();
        registry = new BatonLockRegistry(client);
        executor = Executors.newCachedThreadPool();
    }

    @AfterEach
    void closeRegistry() {
        executor.shutdownNow();
        registry.close();
        client.close();
        otherClient.close();
    }

    @Test
    void oneKeyLocksAgainAndAgainWithOneCachedLockUntilExpired() throws Exception {
        for (int i = 0; i < 10; i++) {
            Lock lock = registry.obtain("orders");
            lock.lock();
            try {
                assertThat(registry.obtain("orders")).isSameAs(lock);
            } finally {
                lock.unlock();
            }
        }
        assertThat(registry.cacheSize()).isEqualTo(1);
        Timing.await().until(() -> {
            registry.expireUnusedOlderThan(0);
            return registry.cacheSize() == 0;
        });
    }

    @Test
    void lockInterruptiblyAgainAndAgain() throws Exception {
        for (int i = 0; i < 10; i++) {
            Lock lock = registry.obtain("orders");
            lock.lockInterruptibly();
            lock.unlock();
        }
    }

    @Test
    void theOwnerCanLockAgainAndMustUnlockAsOften() throws Exception {
        for (int i = 0; i < 10; i++) {
            Lock first = registry.obtain("orders");
            first.lockInterruptibly();
            try {
                Lock second = registry.obtain("orders");
                assertThat(second).isSameAs(first);
                second.lock();
                second.unlock();
                assertThat(otherHolds("orders")).as("still held after the nested unlock").isTrue();
            } finally {
                first.unlock();
            }
        }
        assertThat(otherHolds("orders")).isFalse();
    }

    @Test
    void twoKeysAreTwoLocks() throws Exception {
        Lock orders = registry.obtain("orders");
        orders.lockInterruptibly();
        try {
            Lock invoices = registry.obtain("invoices");
            assertThat(invoices).isNotSameAs(orders);
            assertThat(invoices.tryLock(1, TimeUnit.SECONDS)).isTrue();
            invoices.unlock();
        } finally {
            orders.unlock();
        }
    }

    @Test
    void aSecondThreadFailsToGetTheLockAndMayNotUnlockIt() throws Exception {
        Lock lock = registry.obtain("orders");
        lock.lockInterruptibly();
        Future<Object> other = executor.submit(() -> {
            Lock same = registry.obtain("orders");
            boolean locked = same.tryLock(200, TimeUnit.MILLISECONDS);
            try {
                same.unlock();
            } catch (IllegalMonitorStateException e) {
                return locked ? "locked" : e;
            }
            return "unlocked";
        });
        Object result = other.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
        lock.unlock();
        assertThat(result).isInstanceOf(IllegalMonitorStateException.class);
        assertThat(((Exception) result).getMessage()).contains("You do not own");
    }

    @Test
    void aSecondThreadWaitsUntilTheFirstUnlocks() throws Exception {
        waitsUntilUnlocked(registry);
    }

    @Test
    void aThreadOfAnotherRegistryOnAnotherClientWaitsUntilTheFirstUnlocks() throws Exception {
        try (BatonLockRegistry other = new BatonLockRegistry(otherClient)) {
            waitsUntilUnlocked(other);
        }
    }

    private void waitsUntilUnlocked(BatonLockRegistry secondRegistry) throws Exception {
        Lock lock = registry.obtain("orders");
        lock.lockInterruptibly();
        CountDownLatch trying = new CountDownLatch(1);
        AtomicBoolean locked = new AtomicBoolean();
        Future<?> second = executor.submit(() -> {
            Lock same = secondRegistry.obtain("orders");
            trying.countDown();
            same.lockInterruptibly();
            locked.set(true);
            same.unlock();
            return null;
        });
        assertThat(trying.await(10, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(Timing.scaledMillis(100)); // give the second thread a chance to (wrongly) get in
        assertThat(locked).isFalse();
        lock.unlock();
        second.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
        assertThat(locked).isTrue();
    }

    @Test
    void theWrongThreadCannotUnlock() throws Exception {
        Lock lock = registry.obtain("orders");
        lock.lockInterruptibly();
        Future<Throwable> other = executor.submit(() -> {
            try {
                lock.unlock();
                return null;
            } catch (Exception e) {
                return e;
            }
        });
        Throwable refused = other.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
        assertThat(refused).isInstanceOf(IllegalMonitorStateException.class).hasMessageContaining("You do not own");
        assertThat(otherHolds("orders")).isTrue();
        lock.unlock();
    }

    @Test
    void tryLockAgainAndAgain() throws Exception {
        for (int i = 0; i < 10; i++) {
            Lock lock = registry.obtain("orders");
            int attempts = 0;
            while (!lock.tryLock() && attempts++ < 100) {
                Thread.sleep(100);
            }
            assertThat(attempts).isLessThan(100);
            lock.unlock();
        }
    }

    @Test
    void theCacheKeepsAtMostItsCapacityOfUnlockedLocks() throws Exception {
        registry.setCacheCapacity(17);
        CountDownLatch start = new CountDownLatch(4);
        AtomicInteger done = new AtomicInteger();
        ExecutorService four = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 50; i++) {
                String key = "orders:" + i;
                four.submit(() -> {
                    start.countDown();
                    start.await();
                    Lock lock = registry.obtain(key);
                    lock.lock();
                    lock.unlock();
                    done.incrementAndGet();
                    return null;
                });
            }
            Timing.await().until(() -> done.get() == 50);
        } finally {
            four.shutdownNow();
        }
        assertThat(registry.cacheSize()).isEqualTo(17);
        registry.expireUnusedOlderThan(-1000);
        assertThat(registry.cacheSize()).isZero();
    }

    @Test
    void aLockWhoseLeaseRanOutRefusesTheFinalUnlock() throws Exception {
        BatonLock lock = registry.obtain("orders");
        lock.lock(Duration.ofMillis(100));
        long token = lock.fencingToken();
        assertThat(token).isPositive();
        Timing.await().until(() -> !otherHolds("orders"));
        assertThatThrownBy(lock::unlock).isInstanceOf(ConcurrentModificationException.class)
                .hasMessageContaining("was lost before unlock");
        assertThat(lock.tryLock()).as("usable again").isTrue();
        lock.unlock();
    }

    @Test
    void aRenewalChecksOwnershipAndMovesTheTimeToLive() throws Exception {
        BatonLock lock = registry.obtain("orders");
        assertThat(lock.tryLock(Duration.ofSeconds(1), Duration.ofMillis(300))).isTrue();
        registry.renewLock("orders", Duration.ofMinutes(1));
        CompletableFuture<Throwable> fromElsewhere = CompletableFuture.supplyAsync(() -> {
            try {
                registry.renewLock("orders");
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        }, executor);
        assertThat(fromElsewhere.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
        Thread.sleep(Timing.scaledMillis(500));
        assertThat(otherHolds("orders")).as("the renewal moved the time to live").isTrue();
        lock.unlock();
    }

    @Test
    void leaderInitiatorsOnTwoRegistriesElectOneLeaderAndHandOver() throws Exception {
        try (BatonLockRegistry otherRegistry = new BatonLockRegistry(otherClient)) {
            LockRegistryLeaderInitiator first = initiator(registry, "first");
            LockRegistryLeaderInitiator second = initiator(otherRegistry, "second");
            first.start();
            second.start();
            try {
                Timing.await().until(() -> first.getContext().isLeader() || second.getContext().isLeader());
                LockRegistryLeaderInitiator leader = first.getContext().isLeader() ? first : second;
                LockRegistryLeaderInitiator follower = leader == first ? second : first;
                assertThat(follower.getContext().isLeader()).isFalse();
                leader.stop();
                Timing.await().until(() -> follower.getContext().isLeader());
                assertThat(leader.getContext().isLeader()).isFalse();
            } finally {
                first.stop();
                second.stop();
            }
        }
    }

    private static LockRegistryLeaderInitiator initiator(BatonLockRegistry registry, String id) {
        LockRegistryLeaderInitiator initiator = new LockRegistryLeaderInitiator(registry, new DefaultCandidate(id, "leader"));
        initiator.setHeartBeatMillis(50);
        initiator.setBusyWaitMillis(50);
        return initiator;
    }

    /** Whether another client sees the lock held: a one-shot try that it releases at once. */
    private boolean otherHolds(String name) throws InterruptedException {
        var lease = otherClient.lock(name).tryAcquire(Duration.ZERO);
        lease.ifPresent(l -> l.release());
        return lease.isEmpty();
    }
}
