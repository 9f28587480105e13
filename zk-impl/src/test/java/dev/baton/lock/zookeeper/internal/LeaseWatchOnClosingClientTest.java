package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 15: a lease's node watch threw {@code LockException: ... Client is not started} into
 * ZooKeeper's event thread when its deletion was delivered while the client closed, and ZooKeeper
 * logged it at ERROR. The window is Curator's close: the client already refuses to hand out its
 * handle, but still says it is connected, until ZooKeeper's own close returns. Here that window is
 * held open (the close waits for a reply the proxy never delivers) and the deletion is delivered
 * in it, through ZooKeeper's test hook, so the watcher runs exactly where it used to throw.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LeaseWatchOnClosingClientTest {

    /** Ticks of 500 ms allow a 10 s session: ZooKeeper's close then waits ~6.7 s for its reply. */
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create().tickMillis(500);

    @Test
    void leaseNodeWatchDoesNotThrowWhileItsClientCloses() throws Exception {
        try (TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", zk.port()))) {
            CuratorFramework curator = ZooKeeperServerExtension.connectedCurator("127.0.0.1:" + proxy.port(),
                    Duration.ofSeconds(10));
            LockEngine engine = LockEngine.start(curator, ZooKeeperLockOptions.defaults(), false);
            Lease lease = engine.lock("closing").acquire();
            lease.lost(); // sets the watch on the lease's node
            ZooKeeper handle = curator.getZookeeperClient().getZooKeeper();
            String nodePath = ((ZkLease) lease).path();
            CompletableFuture<Boolean> probe = new CompletableFuture<>();
            Watcher probeWatcher = event -> probe.complete(curator.getZookeeperClient().isConnected());
            handle.exists("/probe", probeWatcher);

            PrintStream stderr = System.err;
            ByteArrayOutputStream logged = new ByteArrayOutputStream();
            System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
            CompletableFuture<Void> closing = CompletableFuture.runAsync(curator::close);
            try {
                proxy.blackhole();
                Timing.await("Curator no longer hands out its handle").until(() -> refusesHandle(curator));
                handle.getTestable().queueEvent(deleted(nodePath));
                handle.getTestable().queueEvent(deleted("/probe"));
                // The probe runs after the lease's watcher on the same thread; it proves the window was hit.
                assertThat(probe.get(Timing.scaledMillis(5_000), TimeUnit.MILLISECONDS))
                        .as("Curator still said it was connected when the watchers ran").isTrue();
            } finally {
                proxy.restore();
                closing.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
                System.setErr(stderr);
                engine.stop();
            }
            String log = logged.toString(StandardCharsets.UTF_8);
            stderr.print(log);
            assertThat(log).doesNotContain("Error while calling watcher").doesNotContain("LockException");
        }
    }

    private static WatchedEvent deleted(String path) {
        return new WatchedEvent(Watcher.Event.EventType.NodeDeleted, Watcher.Event.KeeperState.SyncConnected, path);
    }

    private static boolean refusesHandle(CuratorFramework curator) {
        try {
            curator.getZookeeperClient().getZooKeeper();
            return false;
        } catch (Exception e) {
            return true;
        }
    }
}
