package dev.baton.lock.zookeeper;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** Real ZooKeeper servers and clients for the tests, with short, scaled timeouts. */
final class ZooKeeperTesting {

    /** Short ticks so that short session timeouts are allowed (the server caps them at 20 ticks). */
    static final int TICK_MILLIS = 100;

    private ZooKeeperTesting() {
    }

    static Duration sessionTimeout() {
        return Timing.scaled(Duration.ofMillis(1500));
    }

    static TestingServer startServer() {
        return startServer(Map.of());
    }

    static TestingServer startServer(Map<String, Object> properties) {
        try {
            InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, TICK_MILLIS, 0,
                    new HashMap<>(properties), "127.0.0.1");
            return new TestingServer(spec, true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a ZooKeeper test server", e);
        }
    }

    static Map<String, String> config(String connect) {
        Map<String, String> config = new HashMap<>();
        config.put("baton.backend", "zookeeper");
        config.put("baton.zookeeper.connect", connect);
        config.put("baton.zookeeper.session-timeout", sessionTimeout().toMillis() + "ms");
        config.put("baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(5)).toMillis() + "ms");
        return config;
    }

    static LockClient open(String connect) {
        return LockClients.open(config(connect));
    }

    static LockClient open(String connect, String key, String value) {
        Map<String, String> config = config(connect);
        config.put(key, value);
        return LockClients.open(config);
    }

    /** A plain Curator client for looking at what Baton wrote. */
    static CuratorFramework inspector(String connect) {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 10_000, 5_000, new RetryOneTime(100));
        curator.start();
        return curator;
    }

    /** Every node below {@code root}, depth first; empty if {@code root} does not exist. */
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

    /** The children of a lock's queue node, or empty if it is gone. */
    static List<String> queue(CuratorFramework curator, String lockName) {
        String path = ZooKeeperLockOptions.DEFAULT_ROOT + "/locks/" + dev.baton.lock.LockNames.encode(lockName);
        try {
            return curator.checkExists().forPath(path) == null ? List.of() : curator.getChildren().forPath(path);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
