package dev.baton.spring.integration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The registry behaviour on a real ZooKeeper server, plus Spring Integration's server-down case. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZooKeeperLockRegistryTest extends LockRegistryBehaviourTest {

    private static TestingServer server;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @Override
    LockClient newClient() {
        return LockClients.open(config(server.getConnectString()));
    }

    private static Map<String, String> config(String connect) {
        return Map.of("baton.backend", "zookeeper", "baton.zookeeper.connect", connect,
                "baton.zookeeper.lost-on", "session-lost",
                "baton.zookeeper.session-timeout", Timing.scaled(Duration.ofSeconds(20)).toMillis() + "ms",
                "baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(5)).toMillis() + "ms");
    }

    /**
     * Ported from {@code ZkLockRegistryTests.voidLockFailsWhenServerDown}: with the server down a
     * {@code tryLock} gives up in about its time, {@code lockInterruptibly} answers an interrupt, and
     * once the server is back (within the session) the lock held before works on, reentrantly.
     */
    @Test
    void withTheServerDownTryLockGivesUpInTimeAndLocksWorkAgainWhenItReturns() throws Exception {
        try (TestingServer own = new TestingServer(true);
                LockClient client = LockClients.open(config(own.getConnectString()));
                BatonLockRegistry registry = new BatonLockRegistry(client)) {
            Lock orders = registry.obtain("orders");
            orders.lock();
            own.stop();

            Lock invoices = registry.obtain("invoices");
            long started = System.nanoTime();
            assertThat(invoices.tryLock(1, TimeUnit.SECONDS)).isFalse();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Timing.scaled(Duration.ofSeconds(3)));

            Lock interruptible = registry.obtain("interruptible");
            AtomicReference<Exception> failure = new AtomicReference<>();
            CountDownLatch ended = new CountDownLatch(1);
            Thread locker = new Thread(() -> {
                try {
                    interruptible.lockInterruptibly();
                } catch (Exception e) {
                    failure.set(e);
                } finally {
                    ended.countDown();
                }
            });
            locker.start();
            locker.interrupt();
            assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(failure.get()).isInstanceOf(InterruptedException.class);
            locker.join(10_000);

            own.restart();
            assertThat(invoices.tryLock(10, TimeUnit.SECONDS)).isTrue();
            assertThat(orders.tryLock(1, TimeUnit.SECONDS)).as("still held, reentrantly").isTrue();
            Lock shipments = registry.obtain("shipments");
            assertThat(shipments.tryLock(1, TimeUnit.SECONDS)).isTrue();
            orders.unlock();
            orders.unlock();
            invoices.unlock();
            shipments.unlock();
        }
    }
}
