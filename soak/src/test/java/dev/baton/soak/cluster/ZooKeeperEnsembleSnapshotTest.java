package dev.baton.soak.cluster;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.lock.testkit.Timing;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak's ZooKeeper servers take a snapshot every thousand writes or so, so that a server the
 * nemesis restarts every few seconds replays only a little of its log when it starts (run K35's
 * zk1 went 50 minutes without a snapshot at ZooKeeper's default, and its restart outlasted the
 * nemesis's 60 s wait).
 */
@Tag("slow") // three server JVMs
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ZooKeeperEnsembleSnapshotTest {

    @Test
    void everyServerSnapshotsWithinTwoThousandWrites(@TempDir Path root) throws Exception {
        try (ZooKeeperEnsemble ensemble = ZooKeeperEnsemble.start(root, Duration.ofSeconds(4), "suspended", false)) {
            String connect = ensemble.proxyTargets().stream().map(InetSocketAddress::toString)
                    .map(a -> a.replaceFirst("^.*/", "")).collect(Collectors.joining(","));
            try (CuratorFramework client = CuratorFrameworkFactory.newClient(connect, 10_000, 10_000,
                    new RetryOneTime(100))) {
                client.start();
                assertTrue(client.blockUntilConnected((int) Timing.scaled(Duration.ofSeconds(30)).toSeconds(),
                        TimeUnit.SECONDS), "connected");
                client.create().forPath("/writes");
                for (int i = 0; i < 2_000; i++) {
                    client.create().inBackground().forPath("/writes/w" + i);
                }
                client.sync().forPath("/writes"); // the background creates are ordered before it
                assertNotNull(client.checkExists().forPath("/writes"));
            }
            for (int server = 1; server <= 3; server++) {
                Path log = root.resolve("zk" + server).resolve("data").resolve("version-2");
                Timing.await("a snapshot after the writes on zk" + server)
                        .atMost(Timing.scaled(Duration.ofSeconds(30))).until(() -> snapshotsAfterTheStart(log) > 0);
            }
        }
    }

    /** Snapshots of a zxid past the first epoch's first few writes (the start's own snapshot is zxid 0). */
    private static long snapshotsAfterTheStart(Path log) throws IOException {
        try (Stream<Path> files = Files.list(log)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("snapshot."))
                    .filter(n -> (Long.parseLong(n.substring("snapshot.".length()), 16) & 0xffffffffL) > 500)
                    .count();
        }
    }
}
