package dev.baton.txn;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.ZooKeeper;

/** Real ZooKeeper servers and clients for the tests, with short, scaled timeouts. */
final class TxnTesting {

    static final String TXNS = "/baton/txn";

    private TxnTesting() {
    }

    static Duration sessionTimeout() {
        return ZooKeeperServerExtension.sessionTimeout();
    }

    /**
     * Runs {@code start} (a service's blocking start on {@code curator}) while the client's session
     * expires under it, deterministically: with the client's event thread held, the expiry is
     * injected (the handle closes; Curator learns of it only from the held thread), then the start
     * begins, its first request fails on the closed handle, and the hold is let go once the start
     * waits: for that reply (an asynchronous request's reply comes on the held thread), or in the
     * sleep of Curator's retry policy before sending it again (a synchronous one fails at once).
     * Curator then replaces the handle.
     *
     * @return what {@code start} returned, once the client has a new session
     */
    static <T> T startWhileTheSessionExpires(CuratorFramework curator, Callable<T> start) throws Exception {
        ZooKeeper expiring = curator.getZookeeperClient().getZooKeeper();
        CompletableFuture<T> started = new CompletableFuture<>();
        Thread starter = new Thread(() -> {
            try {
                started.complete(start.call());
            } catch (Throwable t) {
                started.completeExceptionally(t);
            }
        }, "starter");
        try (EventThreadHold hold = EventThreadHold.on(expiring)) {
            expiring.getTestable().injectSessionExpiration();
            starter.start();
            Timing.await("the start waits for the reply to its first request").until(() ->
                    started.isDone() || waitsForAReply(starter));
        }
        T service = started.get(Timing.scaledMillis(60_000), TimeUnit.MILLISECONDS);
        if (curator.getZookeeperClient().getZooKeeper().getSessionId() == expiring.getSessionId()) {
            throw new AssertionError("the client still has the session that was to expire");
        }
        return service;
    }

    /** Waiting for a reply, or sleeping before a retry as a Curator client's retry policy says. */
    private static boolean waitsForAReply(Thread starter) {
        Thread.State state = starter.getState();
        return state == Thread.State.TIMED_WAITING || state == Thread.State.WAITING;
    }

    /** A connected client of {@code zk}'s server, closed after the test (before the server stops). */
    static CuratorFramework client(ZooKeeperServerExtension zk) {
        return zk.closeAfter(client(zk.connectString()));
    }

    /** A started Curator client on {@code connect} with a short session, connected; the caller closes it. */
    static CuratorFramework client(String connect) {
        return client(connect, sessionTimeout());
    }

    /**
     * A connected inspector on {@code connect} with a short session, for a test's own reads: its
     * calls retry across its own session's expiry ({@link ZooKeeperServerExtension#connectedInspector});
     * the caller closes it.
     */
    static CuratorFramework inspector(String connect) {
        try {
            return ZooKeeperServerExtension.connectedInspector(connect, sessionTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static CuratorFramework client(String connect, Duration session) {
        try {
            return ZooKeeperServerExtension.connectedCurator(connect, session);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last zxid the server at {@code port} applied, from the {@code srvr} four-letter command. */
    static long zxid(int port) {
        String reply = fourLetters(port, "srvr");
        for (String line : reply.split("\n")) {
            if (line.startsWith("Zxid: ")) {
                return Long.decode(line.substring(6).trim());
            }
        }
        throw new IllegalStateException("no Zxid in srvr reply: " + reply);
    }

    /**
     * Makes {@code participant} look live to coordinators (an ephemeral instance node of
     * {@code curator}'s session) while no host serves it, so its branches wait like those of a
     * host that is down.
     */
    static void registerGhost(CuratorFramework curator, String participant) {
        try {
            curator.create().creatingParentsIfNeeded().forPath("/baton/participants/" + participant + "/inbox");
            curator.create().creatingParentsIfNeeded().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL)
                    .forPath("/baton/participants/" + participant + "/live/ghost");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The writes after {@code afterZxid} that failed (a failed write still costs the ensemble one). */
    static List<String> failedWrites(TestingServer server, long afterZxid) {
        List<String> failed = new ArrayList<>();
        for (String write : TxnLogReader.writesAfter(server.getTempDirectory(), afterZxid)) {
            if (write.contains("failed multi") || write.contains(" error ")) {
                failed.add(write);
            }
        }
        return failed;
    }

    /** The sessions the server at {@code port} holds a connection for, from the {@code cons} command. */
    static java.util.Set<Long> sessions(int port) {
        java.util.Set<Long> sessions = new java.util.HashSet<>();
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("sid=0x([0-9a-f]+)")
                .matcher(fourLetters(port, "cons"));
        while (matcher.find()) {
            sessions.add(Long.parseUnsignedLong(matcher.group(1), 16));
        }
        return sessions;
    }

    /** Requests the server at {@code port} received so far, from every session (pings included), per {@code mntr}. */
    static long packetsReceived(int port) {
        for (String line : fourLetters(port, "mntr").split("\n")) {
            if (line.startsWith("zk_packets_received")) {
                return Long.parseLong(line.split("\\s+")[1].trim());
            }
        }
        throw new IllegalStateException("mntr gave no zk_packets_received");
    }

    /** The server's mode (leader, follower, standalone), or "down". */
    static String mode(int port) {
        return ZooKeeperServerExtension.mode(port);
    }

    private static String fourLetters(int port, String command) {
        return ZooKeeperServerExtension.fourLetters(port, command);
    }

    /** Every node below {@code root}, breadth first; empty if {@code root} does not exist. */
    static List<String> tree(CuratorFramework curator, String root) {
        return ZooKeeperServerExtension.tree(curator, root);
    }

    /** The transactions under {@code /baton/txn}. */
    static List<String> transactions(CuratorFramework curator) {
        try {
            return curator.checkExists().forPath(TXNS) == null ? List.of() : curator.getChildren().forPath(TXNS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until every transaction has been collected and every inbox is empty. */
    static void awaitAllCollected(CuratorFramework curator, Duration atMost) {
        try {
            Timing.await("every transaction collected").atMost(Timing.scaled(atMost))
                    .until(() -> transactions(curator).isEmpty() && inboxEntries(curator).isEmpty());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("not every transaction was collected; left: " + tree(curator, TXNS) + ", inboxes "
                    + inboxEntries(curator), e);
        }
    }

    static List<String> inboxEntries(CuratorFramework curator) {
        List<String> entries = new ArrayList<>();
        for (String path : tree(curator, "/baton/participants")) {
            String[] parts = path.split("/");
            if (parts.length == 6 && parts[4].equals("inbox")) {
                entries.add(path);
            }
        }
        return entries;
    }
}
