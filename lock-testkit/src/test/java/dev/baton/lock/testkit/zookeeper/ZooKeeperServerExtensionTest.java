package dev.baton.lock.testkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperServerExtensionTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();
    @RegisterExtension
    static final ZooKeeperServerExtension LONG = ZooKeeperServerExtension.create().property("maxSessionTimeout", 30_000);

    /** Run with {@code -Dbaton.test.timing.factor=2} or more, this failed before the cap was raised. */
    @Test
    void theServerGrantsTheScaledSessionAtThisFactor() throws Exception {
        CuratorFramework curator = ZK.connectedCurator(ZooKeeperServerExtension.sessionTimeout());
        assertThat((long) curator.getZookeeperClient().getZooKeeper().getSessionTimeout())
                .as("negotiated session at timing factor %s", Timing.factor())
                .isEqualTo(ZooKeeperServerExtension.sessionTimeout().toMillis());
    }

    /** A property given as a number is set as its string: the server refused to start on the number. */
    @Test
    void aPropertyGivenAsANumberReachesTheServer() throws Exception {
        CuratorFramework curator = LONG.connectedCurator(java.time.Duration.ofSeconds(20));
        assertThat(curator.getZookeeperClient().getZooKeeper().getSessionTimeout()).isEqualTo(20_000);
    }

    @Test
    void theCapIsTwentyTicksOrTheScaledSessionUnlessSet() {
        long session = ZooKeeperServerExtension.sessionTimeout().toMillis();
        assertThat(ZooKeeperServerExtension.withScaledSessions(100, Map.of()))
                .containsEntry("maxSessionTimeout", String.valueOf(Math.max(2000, session)));
        assertThat(ZooKeeperServerExtension.withScaledSessions(500, Map.of("x", "y")))
                .containsEntry("maxSessionTimeout", String.valueOf(Math.max(10_000, session)))
                .containsEntry("x", "y");
        assertThat(ZooKeeperServerExtension.withScaledSessions(100, Map.of("maxSessionTimeout", "120000")))
                .containsEntry("maxSessionTimeout", "120000");
    }

    /**
     * An inspector's read sent while its connection is cut, and kept cut until the server has
     * expired its session, is answered once the connection is back, on a new session.
     */
    @Test
    void anInspectorsReadOutlivesItsOwnSession() throws Exception {
        CuratorFramework other = ZK.curator();
        try (TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", ZK.port()));
                CuratorFramework inspector = ZooKeeperServerExtension.connectedInspector("127.0.0.1:" + proxy.port(),
                        ZooKeeperServerExtension.sessionTimeout())) {
            long session = inspector.getZookeeperClient().getZooKeeper().getSessionId();
            String mark = inspector.create().withMode(CreateMode.EPHEMERAL).forPath("/inspected");
            proxy.cut();
            CompletableFuture<List<String>> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return inspector.getChildren().forPath("/");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Timing.await("the server expires the inspector's session").until(() ->
                    other.checkExists().forPath(mark) == null);
            proxy.restore();
            assertThat(read.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS)).contains("zookeeper");
            assertThat(inspector.getZookeeperClient().getZooKeeper().getSessionId()).isNotEqualTo(session);
        }
    }
}
