package dev.baton.bench;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.zookeeper.ZooKeeperLockClient;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;

/**
 * Rows measured once rather than raced: memory and threads for 10,000 pending waiters, and how much
 * server traffic one hand-off costs as the queue grows (a herd would grow with it).
 */
final class ZooKeeperScaling {

    private final ZooKeeperBench zk;
    private final Harness harness;
    private final int serverPort;
    private final int waiters;

    ZooKeeperScaling(ZooKeeperBench zk, Harness harness, int serverPort, int waiters) {
        this.zk = zk;
        this.harness = harness;
        this.serverPort = serverPort;
        this.waiters = waiters;
    }

    List<Row> all(int[] queueLengths) throws Exception {
        List<Row> rows = new ArrayList<>(pendingWaiters());
        for (int length : queueLengths) {
            rows.addAll(packetsPerHandoff(length));
        }
        return rows;
    }

    /** Heap and threads added by {@code waiters} pending acquireAsync calls on one client. */
    List<Row> pendingWaiters() throws Exception {
        String group = "ZooKeeper: " + waiters + " pending acquireAsync";
        if (!harness.settings().includes(group)) {
            return List.of();
        }
        List<Row> rows = new ArrayList<>(serverShare(group));
        try (LockClient holderClient = zk.baton(); LockClient client = zk.baton()) {
            Lease held = holderClient.lock("bench/waiters").acquire();
            Footprint before = Footprint.now();
            List<CompletableFuture<Lease>> pending = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                pending.add(client.lock("bench/waiters").acquireAsync());
            }
            awaitQueue(client, "bench/waiters", waiters);
            Footprint after = Footprint.now();
            pending.forEach(f -> f.cancel(true));
            held.release();
            rows.addAll(after.minus(before, group, "Baton ZooKeeper", waiters));
        }
        return rows;
    }

    /**
     * The server runs in this JVM, so its znodes count in the heap too: this floor is the heap taken
     * by the same number of bare ephemeral-sequential znodes (and their watches are not even set).
     */
    private List<Row> serverShare(String group) throws Exception {
        try (CuratorFramework curator = zk.curator()) {
            org.apache.zookeeper.ZooKeeper handle = curator.getZookeeperClient().getZooKeeper();
            curator.create().orSetData().forPath("/bench-znodes");
            Footprint before = Footprint.now();
            java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(1_000);
            for (int i = 0; i < waiters; i++) {
                window.acquire();
                handle.create("/bench-znodes/lease-0000000000000000-", new byte[0],
                        org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE, org.apache.zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
                        (rc, path, ctx, name) -> window.release(), null);
            }
            window.acquire(1_000);
            window.release(1_000);
            Footprint after = Footprint.now();
            return List.of(after.minus(before, group, "floor: bare znodes (the in-JVM server's share)", waiters).get(0));
        }
    }

    /**
     * Requests the server received, and notifications it sent, per hand-off while a queue of
     * {@code length} waiters drains, on the holder's and the waiters' sessions. A herd would grow
     * both with the queue. Notifications are the packets sent beyond one reply per request.
     */
    List<Row> packetsPerHandoff(int length) throws Exception {
        String group = "ZooKeeper: server requests and notifications per hand-off, " + length + " waiter(s)";
        if (!harness.settings().includes(group)) {
            return List.of();
        }
        double baton;
        double batonNotified;
        // Lock clients on sessions the benchmark holds, so that it can find them in the server's
        // connection list.
        try (CuratorFramework holderSession = zk.curator(); CuratorFramework waiterSession = zk.curator();
             LockClient holderClient = ZooKeeperLockClient.wrap(holderSession, ZooKeeperLockOptions.defaults());
             LockClient client = ZooKeeperLockClient.wrap(waiterSession, ZooKeeperLockOptions.defaults())) {
            Lease held = holderClient.lock("bench/herd-" + length).acquire();
            List<CompletableFuture<Void>> served = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                served.add(client.lock("bench/herd-" + length).acquireAsync().thenAccept(Lease::release));
            }
            awaitQueue(client, "bench/herd-" + length, length);
            List<Long> sessions = List.of(sessionOf(holderSession), sessionOf(waiterSession));
            long[] before = packets(sessions);
            held.release();
            CompletableFuture.allOf(served.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            long[] after = packets(sessions);
            baton = (after[0] - before[0]) / (double) length;
            batonNotified = ((after[1] - before[1]) - (after[0] - before[0])) / (double) length;
        }
        double curator;
        double curatorNotified;
        try (CuratorFramework holderClient = zk.curator(); CuratorFramework client = zk.curator()) {
            String path = "/curator-bench/herd-" + length;
            InterProcessMutex holder = new InterProcessMutex(holderClient, path);
            holder.acquire();
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                InterProcessMutex mutex = new InterProcessMutex(client, path);
                Thread thread = new Thread(() -> {
                    try {
                        mutex.acquire();
                        mutex.release();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                thread.start();
                threads.add(thread);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (client.getChildren().forPath(path).size() < length + 1 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            List<Long> sessions = List.of(sessionOf(holderClient), sessionOf(client));
            long[] before = packets(sessions);
            holder.release();
            for (Thread thread : threads) {
                thread.join(120_000);
            }
            long[] after = packets(sessions);
            curator = (after[0] - before[0]) / (double) length;
            curatorNotified = ((after[1] - before[1]) - (after[0] - before[0])) / (double) length;
        }
        return List.of(
                new Row(group, "Baton ZooKeeper: requests", "requests", baton, Double.NaN, Double.NaN, Double.NaN,
                        Double.NaN, false),
                new Row(group, "Curator InterProcessMutex: requests", "requests", curator, Double.NaN, Double.NaN,
                        Double.NaN, curator / baton, false),
                new Row(group, "Baton ZooKeeper: notifications", "notifications", batonNotified, Double.NaN,
                        Double.NaN, Double.NaN, Double.NaN, false),
                new Row(group, "Curator InterProcessMutex: notifications", "notifications", curatorNotified,
                        Double.NaN, Double.NaN, Double.NaN, Double.NaN, false));
    }

    private static void awaitQueue(LockClient client, String name, int waiting) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            var held = ((dev.baton.lock.LockInspection) client).heldLocks(name);
            if (!held.isEmpty() && held.get(0).waiters() >= waiting) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("the queue of " + name + " did not reach " + waiting);
    }

    /**
     * Packets the server received from, and sent to, the given sessions ({@code cons}): counted
     * per session, so that traffic the earlier groups left behind on other sessions stays out.
     */
    private long[] packets(List<Long> sessions) throws IOException {
        String cons;
        try (Socket socket = new Socket("127.0.0.1", serverPort)) {
            socket.getOutputStream().write("cons".getBytes(StandardCharsets.US_ASCII));
            cons = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
        long received = 0;
        long sent = 0;
        for (long session : sessions) {
            String sid = "sid=0x" + Long.toHexString(session) + ",";
            String line = cons.lines().filter(l -> l.contains(sid)).findFirst()
                    .orElseThrow(() -> new IOException("cons lists no connection for session " + sid));
            received += Long.parseLong(line.replaceAll(".*recved=(\\d+),.*", "$1"));
            sent += Long.parseLong(line.replaceAll(".*sent=(\\d+),.*", "$1"));
        }
        return new long[] {received, sent};
    }

    private static long sessionOf(CuratorFramework curator) {
        try {
            return curator.getZookeeperClient().getZooKeeper().getSessionId();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static long packetsReceived(int serverPort) throws IOException {
        return value(mntr(serverPort), "zk_packets_received");
    }

    /** The server's {@code zk_server_state}: {@code leader}, {@code follower} or {@code standalone}. */
    static String serverState(int serverPort) throws IOException {
        return field(mntr(serverPort), "zk_server_state");
    }

    private static String mntr(int serverPort) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", serverPort)) {
            socket.getOutputStream().write("mntr".getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static long value(String mntr, String key) throws IOException {
        return Long.parseLong(field(mntr, key));
    }

    private static String field(String mntr, String key) throws IOException {
        for (String line : mntr.split("\n")) {
            if (line.startsWith(key + "\t") || line.startsWith(key + " ")) {
                return line.split("\\s+")[1].trim();
            }
        }
        throw new IOException("mntr gave no " + key + "; is 4lw.commands.whitelist set?");
    }
}
