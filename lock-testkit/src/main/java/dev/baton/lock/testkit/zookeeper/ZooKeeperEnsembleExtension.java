package dev.baton.lock.testkit.zookeeper;

import dev.baton.embedded.LoopbackPorts;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.ServerExtension;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;

/**
 * A real ZooKeeper ensemble (curator-test's {@code TestingCluster}) on loopback, started for each
 * test (register it on an instance field), with lock clients closed after the test. The fault
 * tools are the cluster's ({@code killServer}) and {@link #leader()}.
 *
 * <p>Thread safety: clients may be opened from any thread.
 */
public final class ZooKeeperEnsembleExtension extends ServerExtension<TestingCluster> {

    private final int size;
    private int tickMillis = 500;
    private final Map<String, Object> properties = new HashMap<>();

    private ZooKeeperEnsembleExtension(int size) {
        this.size = size;
    }

    /** An ensemble of {@code size} servers with ticks of 500 ms. */
    public static ZooKeeperEnsembleExtension of(int size) {
        return new ZooKeeperEnsembleExtension(size);
    }

    /** Ticks of {@code millis}. */
    public ZooKeeperEnsembleExtension tickMillis(int millis) {
        this.tickMillis = millis;
        return this;
    }

    /**
     * A configuration property of every server ({@code zoo.cfg} key), such as {@code maxSessionTimeout},
     * set to {@code String.valueOf(value)}, as the servers read it.
     */
    public ZooKeeperEnsembleExtension property(String key, Object value) {
        properties.put(Objects.requireNonNull(key, "key"), String.valueOf(Objects.requireNonNull(value, "value")));
        return this;
    }

    @Override
    protected TestingCluster startServer() throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            // Ports below the ephemeral range: a client reconnecting to a killed server never takes its port.
            specs.add(new InstanceSpec(null, LoopbackPorts.freePort(), LoopbackPorts.freePort(),
                    LoopbackPorts.freePort(), true, id, tickMillis, 0,
                    ZooKeeperServerExtension.withScaledSessions(tickMillis, properties), "127.0.0.1"));
        }
        TestingCluster started = new TestingCluster(specs);
        started.start();
        return started;
    }

    @Override
    protected void stopServer(TestingCluster running) throws Exception {
        running.close();
    }

    /**
     * The running ensemble, for its fault tools ({@code killServer}).
     *
     * @throws IllegalStateException outside a test
     */
    public TestingCluster cluster() {
        return running();
    }

    /** {@code host:port,...} of every server. */
    public String connectString() {
        return cluster().getConnectString();
    }

    /** The server that leads now, once one was elected (waits, scaled, up to 30 s). */
    public TestingZooKeeperServer leader() {
        return Timing.await("a leader is elected").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> cluster().getServers().stream()
                        .filter(s -> "leader".equals(ZooKeeperServerExtension.mode(s.getInstanceSpec().getPort())))
                        .findFirst().orElse(null), s -> s != null);
    }

    /** A Baton lock client on the ensemble, with {@code overrides} on top of the default keys; closed after the test. */
    public LockClient lockClient(Map<String, String> overrides) {
        Map<String, String> config = ZooKeeperServerExtension.config(connectString());
        config.putAll(overrides);
        return closeAfter(LockClients.open(config));
    }

    @Override
    public String toString() {
        return "ZooKeeperEnsemble[" + size + " servers]";
    }

}
