package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import org.apache.curator.test.KillSession;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Session expiry and server restarts, within and beyond the session timeout. Each test gets its
 * own server, because the tests stop it.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
@Tag("slow")
class ZooKeeperFaultTest {

    private static final Duration LONG_SESSION = Duration.ofSeconds(10);
    private static final Duration SHORT_SESSION = Duration.ofMillis(1500);

    /** Ticks of 500 ms allow sessions up to 10 s: long enough to restart a server inside one. */
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create().tickMillis(500);

    private TestingServer server;

    @BeforeEach
    void startServer() {
        server = zk.server();
    }

    private LockClient client(Duration session, String lostOn) {
        return zk.lockClient(Map.of("baton.zookeeper.session-timeout", Timing.scaled(session).toMillis() + "ms",
                "baton.zookeeper.lost-on", lostOn));
    }

    private static LossReason lossOf(Lease lease) throws Exception {
        return lease.lost().get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
    }

    @Test
    void expiredSessionTellsTheHolderAndItsWaitersQueueAgain() throws Exception {
        LockClient victim = client(SHORT_SESSION, "suspended");
        LockClient other = client(SHORT_SESSION, "suspended");
        Lease held = victim.lock("expiry/held").acquire();
        long heldToken = held.fencingToken();
        Lease blocker = other.lock("expiry/waited").acquire();
        long blockerToken = blocker.fencingToken();
        CompletableFuture<Lease> victimWaiter = victim.lock("expiry/waited").acquireAsync();
        CompletableFuture<Lease> otherWaiter = other.lock("expiry/held").acquireAsync();

        KillSession.kill(((ZooKeeperLockClient) victim).engine().curator().getZookeeperClient().getZooKeeper());

        assertThat(lossOf(held)).isIn(LossReason.SESSION_EXPIRED, LossReason.CONNECTION_SUSPENDED);
        Lease taken = otherWaiter.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        assertThat(taken.fencingToken()).isGreaterThan(heldToken);
        blocker.release();
        Lease requeued = victimWaiter.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        assertThat(requeued.isValid()).isTrue();
        assertThat(requeued.fencingToken()).isGreaterThan(blockerToken);
        requeued.release();
        taken.release();
    }

    @Test
    void restartWithinTheSessionTimeoutLosesTheLeaseByDefaultAndFreesTheLock() throws Exception {
        LockClient holder = client(LONG_SESSION, "suspended");
        LockClient waiter = client(LONG_SESSION, "suspended");
        Lease lease = holder.lock("restart").acquire();
        long oldToken = lease.fencingToken();
        CompletableFuture<Lease> next = waiter.lock("restart").acquireAsync();

        server.restart();

        assertThat(lossOf(lease)).isEqualTo(LossReason.CONNECTION_SUSPENDED);
        // The session survived, so the old node was still there: Baton deletes it on reconnecting.
        Lease taken = next.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        assertThat(taken.fencingToken()).isGreaterThan(oldToken);
        taken.release();
    }

    @Test
    void restartWithinTheSessionTimeoutKeepsTheLeaseWhenLostOnlyOnSessionLoss() throws Exception {
        LockClient holder = client(LONG_SESSION, "session-lost");
        LockClient waiter = client(LONG_SESSION, "session-lost");
        Lease lease = holder.lock("restart-kept").acquire();
        long token = lease.fencingToken();

        server.restart();

        Timing.await().until(() -> ((ZooKeeperLockClient) holder).engine().isConnected());
        assertThat(waiter.lock("restart-kept").tryAcquire(Duration.ofMillis(300))).isEmpty();
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.lost()).isNotDone();
        assertThat(lease.fencingToken()).isEqualTo(token);
        lease.release();
        Lease next = waiter.lock("restart-kept").tryAcquire(Timing.scaled(Duration.ofSeconds(5))).orElseThrow();
        assertThat(next.fencingToken()).isGreaterThan(token);
        next.release();
    }

    @Test
    void serverDownBeyondTheSessionTimeoutExpiresTheLeaseAndLocksWorkAfterwards() throws Exception {
        LockClient holder = client(SHORT_SESSION, "session-lost");
        Lease lease = holder.lock("outage").acquire();
        long oldToken = lease.fencingToken();
        CompletableFuture<Lease> waiting = holder.lock("outage/other").acquireAsync();
        Lease firstOther = waiting.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
        firstOther.release();

        server.stop();
        assertThat(lossOf(lease)).isEqualTo(LossReason.SESSION_EXPIRED);
        assertThat(lease.isValid()).isFalse();
        server.restart();

        Lease again = holder.lock("outage").tryAcquire(Timing.scaled(Duration.ofSeconds(20))).orElseThrow();
        assertThat(again.fencingToken()).isGreaterThan(oldToken);
        again.release();
    }

    @Test
    void waiterKeepsItsPlaceThroughAShortRestart() throws Exception {
        LockClient holder = client(LONG_SESSION, "session-lost");
        LockClient waiter = client(LONG_SESSION, "session-lost");
        Lease lease = holder.lock("keep-place").acquire();
        long token = lease.fencingToken();
        CompletableFuture<Lease> next = waiter.lock("keep-place").acquireAsync();

        server.restart();
        Timing.await().until(() -> ((ZooKeeperLockClient) waiter).engine().isConnected());
        assertThat(next).isNotDone();
        lease.release();
        Lease taken = next.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        assertThat(taken.fencingToken()).isGreaterThan(token);
        taken.release();
    }
}
