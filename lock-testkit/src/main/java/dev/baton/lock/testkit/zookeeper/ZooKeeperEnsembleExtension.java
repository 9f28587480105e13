package dev.baton.lock.testkit.zookeeper;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.TestResources;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingZooKeeperServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real ZooKeeper ensemble (curator-test's {@code TestingCluster}) on loopback, started for each
 * test (register it on an instance field), with lock clients closed after the test. The fault
 * tools are the cluster's ({@code killServer}) and {@link #leader()}.
 *
 * <p>Thread safety: clients may be opened from any thread.
 */
public final class ZooKeeperEnsembleExtension implements BeforeEachCallback, AfterEachCallback {

    private final TestResources resources = new TestResources();
    private final int size;
    private int tickMillis = 500;
    private final Map<String, Object> properties = new HashMap<>();
    private @Nullable TestingCluster cluster;

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

    /** A configuration property of every server ({@code zoo.cfg} key), such as {@code maxSessionTimeout}. */
    public ZooKeeperEnsembleExtension property(String key, Object value) {
        properties.put(key, value);
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        List<InstanceSpec> specs = new ArrayList<>();
        for (int id = 1; id <= size; id++) {
            specs.add(new InstanceSpec(null, -1, -1, -1, true, id, tickMillis, 0, new HashMap<>(properties),
                    "127.0.0.1"));
        }
        TestingCluster started = new TestingCluster(specs);
        started.start();
        cluster = started;
        resources.beforeEach(context);
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        try {
            resources.afterEach(context);
        } finally {
            TestingCluster running = cluster;
            cluster = null;
            if (running != null) {
                running.close();
            }
        }
    }

    /**
     * The running ensemble.
     *
     * @throws IllegalStateException outside a test
     */
    public TestingCluster cluster() {
        TestingCluster running = cluster;
        if (running == null) {
            throw new IllegalStateException("the ZooKeeper test ensemble runs only during a test");
        }
        return running;
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
        return resources.closeAfter(LockClients.open(config));
    }

    /** Closes {@code resource} after the test; returns it. */
    public <T extends AutoCloseable> T closeAfter(T resource) {
        return resources.closeAfter(resource);
    }

    @Override
    public String toString() {
        return "ZooKeeperEnsemble[" + size + " servers]";
    }

}
