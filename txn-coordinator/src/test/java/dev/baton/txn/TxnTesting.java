package dev.baton.txn;

import dev.baton.lock.testkit.Timing;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** Real ZooKeeper servers and clients for the tests, with short, scaled timeouts. */
final class TxnTesting {

    /** Short ticks so that short sessions are allowed (the server caps them at 20 ticks). */
    static final int TICK_MILLIS = 100;
    static final String TXNS = "/baton/txn";

    private TxnTesting() {
    }

    static Duration sessionTimeout() {
        return Timing.scaled(Duration.ofMillis(1500));
    }

    static TestingServer startServer() {
        try {
            InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, 0, new HashMap<>(), "127.0.0.1");
            return new TestingServer(spec, true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a ZooKeeper test server", e);
        }
    }

    /** A started Curator client with a short session, connected. */
    static CuratorFramework client(String connect) {
        return client(connect, sessionTimeout());
    }

    static CuratorFramework client(String connect, Duration session) {
        CuratorFramework curator = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs((int) session.toMillis())
                .connectionTimeoutMs((int) Timing.scaledMillis(5000))
                .retryPolicy(new ExponentialBackoffRetry(50, 6, 1000))
                .build();
        curator.start();
        try {
            if (!curator.blockUntilConnected((int) Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("cannot connect to " + connect);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return curator;
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

    /** The server's mode (leader, follower, standalone), or "down". */
    static String mode(int port) {
        try {
            for (String line : fourLetters(port, "srvr").split("\n")) {
                if (line.startsWith("Mode: ")) {
                    return line.substring(6).trim();
                }
            }
            return "unknown";
        } catch (IllegalStateException e) {
            return "down";
        }
    }

    private static String fourLetters(int port, String command) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("cannot ask the server at port " + port + ": " + e, e);
        }
    }

    /** Every node below {@code root}, breadth first; empty if {@code root} does not exist. */
    static List<String> tree(CuratorFramework curator, String root) {
        try {
            if (curator.checkExists().forPath(root) == null) {
                return List.of();
            }
            List<String> nodes = new ArrayList<>();
            java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>(List.of(root));
            while (!queue.isEmpty()) {
                // Nodes may vanish while we walk (container nodes, ephemeral nodes): skip them.
                String path = queue.poll();
                List<String> children;
                try {
                    children = curator.getChildren().forPath(path);
                } catch (org.apache.zookeeper.KeeperException.NoNodeException e) {
                    continue;
                }
                nodes.add(path);
                for (String child : children) {
                    queue.add(path.equals("/") ? "/" + child : path + "/" + child);
                }
            }
            return nodes;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
