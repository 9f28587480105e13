package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperEnsembleExtension;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.zookeeper.ZooDefs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code baton.zookeeper.ensemble-tracker} (issue 15): Curator's ensemble tracker replaces the
 * connect string with the client addresses the servers' configuration lists, and the client
 * uses them from its next reconnection on, bypassing whatever the user configured (here a proxy,
 * standing for a port-forward or a service name). Off by default, Baton keeps the configured string.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@Tag("slow")
class ZooKeeperEnsembleTrackerTest {

    @RegisterExtension
    static final ZooKeeperEnsembleExtension ENSEMBLE = ZooKeeperEnsembleExtension.of(3);

    private TcpProxy proxy;

    @BeforeEach
    void proxyToTheFirstServer() throws Exception {
        InstanceSpec first = ENSEMBLE.cluster().getInstances().iterator().next();
        proxy = ENSEMBLE.closeAfter(TcpProxy.start(new InetSocketAddress("127.0.0.1", first.getPort())));
        // The premise: the servers' own configuration lists their client addresses.
        CuratorFramework look = ENSEMBLE.closeAfter(ZooKeeperServerExtension.connectedCurator(ENSEMBLE.connectString(),
                ZooKeeperServerExtension.sessionTimeout()));
        String config = new String(look.getData().forPath(ZooDefs.CONFIG_NODE), StandardCharsets.UTF_8);
        assertThat(config).contains(";127.0.0.1:" + first.getPort());
    }

    private LockClient throughProxy(Map<String, String> overrides) {
        Map<String, String> config = new java.util.HashMap<>(overrides);
        config.put("baton.zookeeper.connect", "127.0.0.1:" + proxy.port());
        return ENSEMBLE.lockClient(config);
    }

    private static CuratorFramework curatorOf(LockClient client) {
        return ((ZooKeeperLockClient) client).engine().curator();
    }

    @Test
    void byDefaultTheConfiguredConnectStringIsKeptAcrossReconnections() throws Exception {
        LockClient client = throughProxy(Map.of());
        String configured = "127.0.0.1:" + proxy.port();
        try (Lease lease = client.lock("tracker/off").acquire()) {
            assertThat(lease.isValid()).isTrue();
        }

        proxy.cut();
        Timing.await("the client sees the cut").until(() -> !curatorOf(client).getZookeeperClient().isConnected());
        proxy.restore();
        Timing.await("the client reconnects").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .until(() -> curatorOf(client).getZookeeperClient().isConnected());

        assertThat(curatorOf(client).getZookeeperClient().getCurrentConnectionString()).isEqualTo(configured);
        assertThat(proxy.connectionCount()).as("connections through the configured proxy").isEqualTo(1);
        try (Lease lease = client.lock("tracker/off").acquire()) {
            assertThat(lease.isValid()).isTrue();
        }
    }

    @Test
    void withTheTrackerOnTheClientLeavesTheConfiguredAddressForTheServersOwn() throws Exception {
        LockClient client = throughProxy(Map.of("baton.zookeeper.ensemble-tracker", "true"));
        String configured = "127.0.0.1:" + proxy.port();
        Timing.await("the tracker rewrites the connect string")
                .until(() -> !curatorOf(client).getZookeeperClient().getCurrentConnectionString().equals(configured));

        proxy.cut();
        Timing.await("the client reconnects elsewhere").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .until(() -> curatorOf(client).getZookeeperClient().isConnected() && proxy.connectionCount() == 0);
        try (Lease lease = client.lock("tracker/on").acquire()) {
            assertThat(lease.isValid()).as("locks work without the proxy: the proxy was bypassed").isTrue();
        }
    }

    @Test
    void aMisspelledKeyFailsWithASuggestion() {
        assertThatThrownBy(() -> LockClients.open(Map.of("baton.backend", "zookeeper",
                "baton.zookeeper.connect", ENSEMBLE.connectString(), "baton.zookeeper.ensemble-traker", "false")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("did you mean 'baton.zookeeper.ensemble-tracker'");
    }
}
