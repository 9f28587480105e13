package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** ZooKeeper-specific behaviour on one real server: the queue, its clean-up, and node-level faults. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ZooKeeperLockTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    private CuratorFramework inspector;
    private ExecutorService threads;

    @BeforeEach
    void setUp() {
        inspector = ZK.curator();
        threads = Executors.newCachedThreadPool();
    }

    @AfterEach
    void tearDown() {
        threads.shutdownNow();
    }

    private LockClient client() {
        return ZK.lockClient();
    }

    /** The children of a lock's queue node, or empty if it is gone. */
    private static List<String> queue(CuratorFramework curator, String lockName) {
        String path = ZooKeeperLockOptions.DEFAULT_ROOT + "/locks/" + dev.baton.lock.LockNames.encode(lockName);
        try {
            return curator.checkExists().forPath(path) == null ? List.of() : curator.getChildren().forPath(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    @Tag("slow")
    void tenThousandCyclesLeaveNoZnodeBehind() throws Exception {
        LockClient a = client();
        LockClient b = client();
        int cycles = 10_000;
        long last = 0;
        for (int i = 0; i < cycles; i++) {
            LockClient client = i % 2 == 0 ? a : b;
            try (Lease lease = client.lock("cycle/" + (i % 10)).acquire()) {
                assertThat(lease.fencingToken()).isGreaterThan(last);
                last = lease.fencingToken();
            }
        }
        Timing.await("empty lock containers are removed by the server")
                .atMost(Timing.scaled(Duration.ofSeconds(20)))
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(ZooKeeperServerExtension.tree(inspector, "/baton/locks"))
                        .noneMatch(path -> path.startsWith("/baton/locks/cycle")));
    }

    @Test
    void waitersAreServedInTheOrderTheyQueued() throws Exception {
        LockClient holderClient = client();
        LockClient waiterClient = client();
        String name = "fifo";
        Lease holder = holderClient.lock(name).acquire();
        List<CompletableFuture<Lease>> waiters = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiters.add(waiterClient.lock(name).acquireAsync());
            int queued = i + 2;
            Timing.await().until(() -> queue(inspector, name).size() == queued);
        }
        holder.release();
        long previous = 0;
        for (CompletableFuture<Lease> waiter : waiters) {
            Lease lease = waiter.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
            assertThat(waiters.stream().filter(f -> f.isDone()).count()).isLessThanOrEqualTo(waiters.indexOf(waiter) + 1);
            assertThat(lease.fencingToken()).isGreaterThan(previous);
            previous = lease.fencingToken();
            lease.release();
        }
    }

    @Test
    void interruptedWaiterLeavesNoQueueNode() throws Exception {
        LockClient a = client();
        LockClient b = client();
        Lease held = a.lock("interrupt").acquire();
        Future<Lease> waiting = threads.submit(() -> b.lock("interrupt").acquire());
        Timing.await().until(() -> queue(inspector, "interrupt").size() == 2);
        waiting.cancel(true);
        Timing.await().until(() -> queue(inspector, "interrupt").size() == 1);
        held.release();
        assertThat(queue(inspector, "interrupt")).isEmpty();
    }

    @Test
    void cancelledAndTimedOutRequestsLeaveNoQueueNode() throws Exception {
        LockClient a = client();
        LockClient b = client();
        Lease held = a.lock("cancel").acquire();
        CompletableFuture<Lease> pending = b.lock("cancel").acquireAsync();
        Timing.await().until(() -> queue(inspector, "cancel").size() == 2);
        assertThat(pending.cancel(true)).isTrue();
        assertThat(b.lock("cancel").tryAcquire(Duration.ofMillis(100))).isEmpty();
        assertThat(b.lock("cancel").tryAcquire(Duration.ZERO)).isEmpty();
        Timing.await().until(() -> queue(inspector, "cancel").size() == 1);
        held.release();
        assertThat(queue(inspector, "cancel")).isEmpty();
    }

    @Test
    void tokenIsTheHolderNodesCreationZxid() throws Exception {
        try (Lease lease = client().lock("czxid").acquire()) {
            String node = queue(inspector, "czxid").get(0);
            long czxid = inspector.checkExists().forPath("/baton/locks/czxid/" + node).getCzxid();
            assertThat(lease.fencingToken()).isEqualTo(czxid);
        }
    }

    @Test
    void deletingTheHoldersNodeTellsAHolderThatListens() throws Exception {
        Lease lease = client().lock("revoked").acquire();
        CompletableFuture<LossReason> lost = lease.lost();
        String node = queue(inspector, "revoked").get(0);
        inspector.delete().forPath("/baton/locks/revoked/" + node);
        assertThat(lost.get(Timing.scaledMillis(5_000), TimeUnit.MILLISECONDS)).isEqualTo(LossReason.TAKEN_OVER);
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::fencingToken).isInstanceOf(IllegalStateException.class).hasMessageContaining("lost");
    }

    @Test
    void askingForLostAfterTheNodeWasDeletedStillTellsTheHolder() throws Exception {
        Lease lease = client().lock("revoked-before").acquire();
        String node = queue(inspector, "revoked-before").get(0);
        inspector.delete().forPath("/baton/locks/revoked-before/" + node);
        assertThat(lease.lost().get(Timing.scaledMillis(5_000), TimeUnit.MILLISECONDS)).isEqualTo(LossReason.TAKEN_OVER);
        assertThat(lease.isValid()).isFalse();
    }

    /**
     * An uncontended acquire and release cost two writes, the create and the delete of the lease's
     * node, once the lock's queue exists (a foreign child keeps the server from removing the empty
     * queue container meanwhile). ZooKeeper numbers every write, so zxids count them.
     */
    @Test
    void anUncontendedAcquireAndReleaseCostTwoWrites() throws Exception {
        LockClient client = client();
        try (Lease first = client.lock("two-writes").acquire()) {
            inspector.create().forPath("/baton/locks/two-writes/not-a-lease");
        }
        long before = zxidOfNewNode();
        Lease lease = client.lock("two-writes").acquire();
        lease.release();
        Timing.await("the lease's node is deleted").until(() -> queue(inspector, "two-writes").size() == 1);
        long after = zxidOfNewNode();
        assertThat(after - before - 1).as("writes between the two markers").isEqualTo(2);
    }

    /** The zxid of a write made now. */
    private long zxidOfNewNode() throws Exception {
        String path = inspector.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/marker-");
        return inspector.checkExists().forPath(path).getCzxid();
    }

    @Test
    void anotherClientsQueueNodesArePassedOverByName() throws Exception {
        // A foreign child in a lock's container must not confuse the queue.
        LockClient client = client();
        try (Lease first = client.lock("foreign").acquire()) {
            inspector.create().forPath("/baton/locks/foreign/not-a-lease");
        }
        Optional<Lease> again = client.lock("foreign").tryAcquire(Duration.ZERO);
        assertThat(again).isPresent();
        again.get().release();
    }

    @Test
    void wrappedCuratorStaysOpenWhenTheLockClientCloses() throws Exception {
        LockClient locks = ZooKeeperLockClient.wrap(inspector, ZooKeeperLockOptions.defaults());
        DistributedLock lock = locks.lock("wrapped");
        Lease lease = lock.acquire();
        locks.close();
        assertThat(lease.lost().get(Timing.scaledMillis(5_000), TimeUnit.MILLISECONDS)).isEqualTo(LossReason.CLIENT_CLOSED);
        assertThat(queue(inspector, "wrapped")).isEmpty();
        assertThatThrownBy(() -> locks.lock("wrapped")).isInstanceOf(IllegalStateException.class);
        assertThat(inspector.getZookeeperClient().isConnected()).isTrue();
    }

    @Test
    void unreachableServerFailsFastNamingTheAddress() {
        java.util.Map<String, String> config = ZooKeeperServerExtension.config("127.0.0.1:1");
        config.put("baton.zookeeper.connection-timeout", "500ms");
        long start = System.nanoTime();
        assertThatThrownBy(() -> dev.baton.lock.LockClients.open(config))
                .isInstanceOf(LockException.class)
                .hasMessageContaining("127.0.0.1:1")
                .hasMessageContaining("baton.zookeeper.connect");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Timing.scaled(Duration.ofSeconds(10)));
    }

    @Test
    void heldLocksShowsHolderTokenAndWaiters() throws Exception {
        LockClient a = client();
        LockClient b = client();
        Lease first = a.lock("inspect/one").acquire();
        Lease other = a.lock("elsewhere").acquire();
        CompletableFuture<Lease> waiter = b.lock("inspect/one").acquireAsync();
        Timing.await().until(() -> queue(inspector, "inspect/one").size() == 2);

        List<dev.baton.lock.LockInfo> held = ((dev.baton.lock.LockInspection) b).heldLocks("inspect/");
        assertThat(held).singleElement().satisfies(info -> {
            assertThat(info.name()).isEqualTo("inspect/one");
            assertThat(info.fencingToken()).isEqualTo(first.fencingToken());
            assertThat(info.holder()).contains("@");
            assertThat(info.waiters()).isEqualTo(1);
            assertThat(info.since()).isPresent();
        });
        assertThat(((dev.baton.lock.LockInspection) b).heldLocks("")).extracting(dev.baton.lock.LockInfo::name)
                .containsSubsequence("elsewhere", "inspect/one");
        first.release();
        other.release();
        waiter.get(Timing.scaledMillis(5_000), TimeUnit.MILLISECONDS).release();
    }
}
