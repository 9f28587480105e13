package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockNames;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.baton.lock.testkit.ProxiedClients;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How a waiter reads the queue: the holder's successor takes the lock without reading the queue
 * again, which must never hand the lock to a waiter whose node is gone; and a burst of waiters
 * shares its reads.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ZooKeeperQueueTest {

    static {
        // The counts below come from four-letter commands beyond srvr; set before any server starts.
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
    }

    /** Ticks of 500 ms allow a 10 s session, which outlives the cut connections here. */
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create().tickMillis(500);
    @RegisterExtension
    final ProxiedClients proxied = new ProxiedClients();

    private CuratorFramework admin;

    @BeforeEach
    void start() {
        admin = zk.curator();
    }

    private LockClient client(String connect) {
        return zk.lockClient(connect, Map.of("baton.zookeeper.session-timeout", "10s"));
    }

    private static String path(String lockName) {
        return ZooKeeperLockOptions.DEFAULT_ROOT + "/locks/" + LockNames.encode(lockName);
    }

    /** The queue's nodes in order (by sequence). */
    private List<String> queue(String lockName) throws Exception {
        List<String> children;
        try {
            children = new ArrayList<>(admin.getChildren().forPath(path(lockName)));
        } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
            return List.of(); // a container node, removed by the server once empty
        }
        children.sort(Comparator.comparingLong(dev.baton.lock.zookeeper.internal.QueueNode::sequence));
        return children;
    }

    private long czxid(String lockName, String child) throws Exception {
        Stat stat = admin.checkExists().forPath(path(lockName) + "/" + child);
        return stat == null ? -1 : stat.getCzxid();
    }

    private void awaitQueueLength(String lockName, int length) {
        await().atMost(Timing.scaled(Duration.ofSeconds(10))).until(() -> queue(lockName).size() == length);
    }

    private static Lease get(CompletableFuture<Lease> future) throws Exception {
        return future.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
    }

    @Test
    void aWaiterWhoseNodeWasDeletedQueuesAgainInsteadOfTakingTheLock() throws Exception {
        String name = "queue/deleted-waiter";
        Lease held = client(zk.connectString()).lock(name).acquire();
        CompletableFuture<Lease> second = client(zk.connectString()).lock(name).acquireAsync();
        awaitQueueLength(name, 2);
        CompletableFuture<Lease> third = client(zk.connectString()).lock(name).acquireAsync();
        awaitQueueLength(name, 3);

        // An operator removes the second waiter's node: it must queue again, behind the third.
        admin.delete().forPath(path(name) + "/" + queue(name).get(1));
        awaitQueueLength(name, 3);
        held.release();

        Lease thirdLease = get(third);
        long thirdToken = thirdLease.fencingToken();
        assertThat(czxid(name, queue(name).get(0))).isEqualTo(thirdToken);
        await().during(Timing.scaled(Duration.ofMillis(300))).atMost(Timing.scaled(Duration.ofSeconds(2)))
                .until(() -> !second.isDone());
        thirdLease.release();
        Lease secondLease = get(second);
        assertThat(secondLease.fencingToken()).isGreaterThan(thirdToken);
        assertHeldByItsOwnNode(name, secondLease);
    }

    @Test
    void aWaiterCutOffWhileItsNodeAndTheHoldersGoQueuesAgainOnReconnection() throws Exception {
        String name = "queue/cut-waiter";
        LockClient holder = client(zk.connectString());
        LockClient cutOff = proxied.open(new InetSocketAddress("127.0.0.1", zk.port()),
                port -> client("127.0.0.1:" + port));
        TcpProxy proxy = proxied.of(cutOff).get(0);
        Lease held = holder.lock(name).acquire();
        CompletableFuture<Lease> waiter = cutOff.lock(name).acquireAsync();
        awaitQueueLength(name, 2);

        // While the waiter is away both nodes go; on reconnection the server replays the two
        // deletions in no particular order, so the waiter must read the queue before taking it.
        proxy.cut();
        admin.delete().forPath(path(name) + "/" + queue(name).get(1));
        held.release();
        awaitQueueLength(name, 0);
        proxy.restore();

        assertHeldByItsOwnNode(name, get(waiter));
    }

    /** The lease's node is the only one in the queue and its token is that node's: then releases it. */
    private void assertHeldByItsOwnNode(String name, Lease lease) throws Exception {
        assertThat(queue(name)).hasSize(1);
        assertThat(czxid(name, queue(name).get(0))).isEqualTo(lease.fencingToken());
        lease.release();
    }

    @Test
    void theHoldersSuccessorTakesTheLockWithoutReadingTheQueueAgain() throws Exception {
        String name = "queue/successor";
        LockClient holder = client(zk.connectString());
        LockClient successor = client(zk.connectString());
        Lease held = holder.lock(name).acquire();
        CompletableFuture<Lease> waiter = successor.lock(name).acquireAsync();
        awaitQueueLength(name, 2);
        await().atMost(Timing.scaled(Duration.ofSeconds(10))).until(() -> watchesOn(queue(name).get(0)) > 0);

        long holderBefore = requestsFrom(holder);
        long successorBefore = requestsFrom(successor);
        held.release();
        Lease lease = get(waiter);
        assertThat(requestsFrom(holder) - holderBefore).as("the holder's delete").isEqualTo(1);
        assertThat(requestsFrom(successor) - successorBefore).as("requests from the successor").isZero();
        lease.release();
    }

    @Test
    void waitersBehindLeasesOfTheirOwnClientAreHandedTheLockWithoutReads() throws Exception {
        String name = "queue/local-chain";
        int waiters = 5;
        LockClient client = client(zk.connectString());
        Lease held = client.lock(name).acquire();
        List<CompletableFuture<Long>> served = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            served.add(client.lock(name).acquireAsync().thenApply(lease -> {
                long token = lease.fencingToken();
                lease.release();
                return token;
            }));
            awaitQueueLength(name, i + 2);
        }
        awaitWatchedNodes(waiters + 1);

        long before = requestsFrom(client);
        long readsBefore = ((ZooKeeperLockClient) client).engine().queueReadsSent();
        held.release();
        long previous = 0;
        for (CompletableFuture<Long> future : served) {
            long token = future.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
            assertThat(token).isGreaterThan(previous);
            previous = token;
        }
        // No reads of the queue: each waiter learns from the lease before it. What is sent is one
        // delete per lease and, before each delete, a watch on the successor's own node.
        assertThat(((ZooKeeperLockClient) client).engine().queueReadsSent()).isEqualTo(readsBefore);
        assertThat(requestsFrom(client) - before).isEqualTo(2L * waiters);
        awaitQueueLength(name, 0);
    }

    @Test
    void aBurstOfWaitersOnOneClientSharesItsQueueReads() throws Exception {
        String name = "queue/burst";
        int waiters = 1_000;
        Lease held = client(zk.connectString()).lock(name).acquire();
        LockClient client = client(zk.connectString());
        long before = requestsFrom(client);
        List<CompletableFuture<Lease>> pending = new ArrayList<>();
        for (int i = 0; i < waiters; i++) {
            pending.add(client.lock(name).acquireAsync());
        }
        awaitQueueLength(name, waiters + 1);
        awaitWatchedNodes(waiters + 1);
        // Per waiter: its create and the watches on its predecessor and its own node; the reads
        // of the queue are shared (one each would make it 4 per waiter).
        assertThat(requestsFrom(client) - before).isLessThan(waiters * 3L + waiters / 10);
        pending.forEach(future -> future.cancel(true));
        held.release();
        awaitQueueLength(name, 0);
    }

    /** Waits until {@code nodes} nodes are watched (a session's watches on one node count once). */
    private void awaitWatchedNodes(long nodes) {
        await().atMost(Timing.scaled(Duration.ofSeconds(30))).until(() -> mntr("zk_watch_count") >= nodes);
    }

    private long watchesOn(String child) {
        return fourLetter("wchp").lines().filter(line -> line.endsWith("/" + child)).count();
    }

    /** Requests the server has received on {@code client}'s session (from {@code cons}). */
    private long requestsFrom(LockClient client) throws Exception {
        long session = ((ZooKeeperLockClient) client).engine().sessionId();
        String sid = "sid=0x" + Long.toHexString(session) + ",";
        for (String line : fourLetter("cons").split("\n")) {
            if (line.contains(sid)) {
                return Long.parseLong(line.replaceAll(".*recved=(\\d+),.*", "$1"));
            }
        }
        throw new IOException("cons lists no connection for session " + sid);
    }

    private long mntr(String key) throws IOException {
        for (String line : fourLetter("mntr").split("\n")) {
            if (line.startsWith(key + "\t") || line.startsWith(key + " ")) {
                return Long.parseLong(line.split("\\s+")[1].trim());
            }
        }
        throw new IOException("mntr gave no " + key);
    }

    private String fourLetter(String command) {
        return ZooKeeperServerExtension.fourLetters(zk.port(), command);
    }
}
