package dev.baton.lock.testkit.zookeeper;

import dev.baton.embedded.LoopbackPorts;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.ServerExtension;
import dev.baton.lock.testkit.Timing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.retry.RetryUntilElapsed;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.KeeperException;

/**
 * A real ZooKeeper server (curator-test's {@code TestingServer}) on loopback, with short ticks so
 * that short, scaled sessions are allowed, and clients that are closed for the test: Baton lock
 * clients from {@code baton.*} keys, plain Curator clients for looking at what Baton wrote, and any
 * other resource handed to {@link #closeAfter}.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();   // one server per class
 *
 * @RegisterExtension
 * final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create().tickMillis(500);   // one per test
 * }</pre>
 *
 * <p>Registered on a static field, the server runs for the whole class; on an instance field, each
 * test gets its own (for tests that stop or restart it). Clients opened during a test are closed
 * after it, the others after the class. Needs {@code org.apache.curator:curator-test} on the test
 * class path.
 *
 * <p>Thread safety: clients may be opened from any thread.
 */
public final class ZooKeeperServerExtension extends ServerExtension<TestingServer> {

    /**
     * The default tick: short, so that sessions of 1.5 s are allowed. The server's cap on sessions
     * is 20 ticks or {@link #sessionTimeout()}, whichever is longer, unless {@code maxSessionTimeout}
     * is set.
     */
    public static final int DEFAULT_TICK_MILLIS = 100;

    private static final String MAX_SESSION_TIMEOUT = "maxSessionTimeout";

    private final Map<String, Object> properties = new HashMap<>();
    private int tickMillis = DEFAULT_TICK_MILLIS;

    private ZooKeeperServerExtension() {
    }

    /** A server with ticks of {@value #DEFAULT_TICK_MILLIS} ms. */
    public static ZooKeeperServerExtension create() {
        return new ZooKeeperServerExtension();
    }

    /** Ticks of {@code millis}: sessions of up to 20 ticks (or {@link #sessionTimeout()}) are allowed. */
    public ZooKeeperServerExtension tickMillis(int millis) {
        this.tickMillis = millis;
        return this;
    }

    /**
     * A server configuration property ({@code zoo.cfg} key), such as {@code maxSessionTimeout}, set
     * to {@code String.valueOf(value)}: the server reads its configuration as strings, and refused
     * to start on a number passed as it was.
     */
    public ZooKeeperServerExtension property(String key, Object value) {
        properties.put(Objects.requireNonNull(key, "key"), String.valueOf(Objects.requireNonNull(value, "value")));
        return this;
    }

    /** The session timeout tests ask for by default: 1.5 s, scaled. */
    public static Duration sessionTimeout() {
        return Timing.scaled(Duration.ofMillis(1500));
    }

    @Override
    protected TestingServer startServer() {
        return startServer(tickMillis, properties);
    }

    @Override
    protected void stopServer(TestingServer running) throws IOException {
        running.close();
    }

    /**
     * Starts a server outside any extension (for a class that must set system properties first),
     * on a free loopback port below the ephemeral range ({@link LoopbackPorts}); the caller closes it.
     */
    public static TestingServer startServer(int tickMillis, Map<String, Object> properties) {
        try {
            InstanceSpec spec = new InstanceSpec(null, LoopbackPorts.freePort(), -1, -1, true, -1, tickMillis, 0,
                    withScaledSessions(tickMillis, properties), "127.0.0.1");
            return new TestingServer(spec, true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start a ZooKeeper test server", e);
        }
    }

    /**
     * {@code properties} with {@code maxSessionTimeout} raised, unless set, so that the server grants
     * {@link #sessionTimeout()} at any timing factor. ZooKeeper's own cap is 20 ticks (2 s at the
     * default tick): at factor 2 the tests asked for 3 s and got 2, so the one knob that scales
     * every timeout did not reach the sessions.
     */
    static Map<String, Object> withScaledSessions(int tickMillis, Map<String, Object> properties) {
        Map<String, Object> raised = new HashMap<>(properties);
        raised.putIfAbsent(MAX_SESSION_TIMEOUT, String.valueOf(Math.max(20L * tickMillis, sessionTimeout().toMillis())));
        return raised;
    }

    /**
     * The running server, for its fault tools ({@code stop()}, {@code restart()}) and its
     * transaction log ({@code getTempDirectory()}).
     *
     * @throws IllegalStateException outside the class or test it runs for
     */
    public TestingServer server() {
        return running();
    }

    /** {@code 127.0.0.1:<port>}. */
    public String connectString() {
        return server().getConnectString();
    }

    /** The client port. */
    public int port() {
        return server().getPort();
    }

    /** Restarts the server on the same port, keeping its data. */
    public void restart() throws Exception {
        server().restart();
    }

    /**
     * The {@code baton.*} keys of a ZooKeeper lock client on {@code connect}: a 1.5 s session and a
     * 5 s connection timeout, both scaled. A mutable copy, to add keys to.
     */
    public static Map<String, String> config(String connect) {
        Map<String, String> config = new HashMap<>();
        config.put("baton.backend", "zookeeper");
        config.put("baton.zookeeper.connect", connect);
        config.put("baton.zookeeper.session-timeout", sessionTimeout().toMillis() + "ms");
        config.put("baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(5)).toMillis() + "ms");
        return config;
    }

    /** {@link #config(String)} for this server. */
    public Map<String, String> config() {
        return config(connectString());
    }

    /** A Baton lock client on this server, closed after the test. */
    public LockClient lockClient() {
        return lockClient(Map.of());
    }

    /** A Baton lock client on {@code connect}, with {@code overrides} on top of {@link #config(String)}. */
    public LockClient lockClient(String connect, Map<String, String> overrides) {
        Map<String, String> config = config(connect);
        config.putAll(overrides);
        return closeAfter(LockClients.open(config));
    }

    /** A Baton lock client on this server, with {@code overrides} on top of {@link #config()}. */
    public LockClient lockClient(Map<String, String> overrides) {
        return lockClient(connectString(), overrides);
    }

    /** A plain, started Curator client on this server, for looking at what Baton wrote. */
    public CuratorFramework curator() {
        return curator(connectString());
    }

    /** A plain, started Curator client on {@code connect}, closed after the test. */
    public CuratorFramework curator(String connect) {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 10_000, 5_000, new RetryOneTime(100));
        curator.start();
        return closeAfter(curator);
    }

    /**
     * A started Curator client with a session of {@code session}, connected (for code under test
     * that runs on the caller's Curator client), closed after the test.
     */
    public CuratorFramework connectedCurator(Duration session) throws InterruptedException {
        return closeAfter(connectedCurator(connectString(), session));
    }

    /**
     * A started Curator client on {@code connect} (a proxy, say, or from a child process) with a
     * session of {@code session}, connected; the caller closes it.
     *
     * @throws IllegalStateException if it cannot connect within the scaled connection wait
     */
    public static CuratorFramework connectedCurator(String connect, Duration session) throws InterruptedException {
        return connectedCurator(connect, session, new RetryOneTime(100));
    }

    /**
     * A started inspector on {@code connect}: a Curator client for a test's own reads of what the
     * code under test wrote, which retries a call for up to a scaled 30 s, across a lost connection
     * and across the expiry of its own session, instead of once. A long test on a starved machine
     * can outlive a short session; its checks should not fail for that. Not for code under test,
     * whose own handling of those failures is what a test looks at. The caller closes it.
     *
     * @throws IllegalStateException if it cannot connect within the scaled connection wait
     */
    public static CuratorFramework connectedInspector(String connect, Duration session) throws InterruptedException {
        return connectedCurator(connect, session, new RetryUntilElapsed((int) Timing.scaledMillis(30_000), 100));
    }

    private static CuratorFramework connectedCurator(String connect, Duration session, RetryPolicy retry)
            throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.builder().connectString(connect)
                .sessionTimeoutMs((int) session.toMillis())
                .connectionTimeoutMs((int) Timing.scaledMillis(5000)).retryPolicy(retry).build();
        curator.start();
        if (!curator.blockUntilConnected((int) Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)) {
            curator.close();
            throw new IllegalStateException("cannot connect to " + connect);
        }
        return curator;
    }

    /** Every node below {@code root}, breadth first; empty if {@code root} does not exist. */
    public static List<String> tree(CuratorFramework curator, String root) {
        Objects.requireNonNull(curator, "curator");
        try {
            if (curator.checkExists().forPath(root) == null) {
                return List.of();
            }
            List<String> nodes = new ArrayList<>();
            ArrayDeque<String> queue = new ArrayDeque<>(List.of(root));
            while (!queue.isEmpty()) {
                // Nodes may vanish while we walk (container nodes, ephemeral nodes): skip them.
                String path = queue.poll();
                List<String> children;
                try {
                    children = curator.getChildren().forPath(path);
                } catch (KeeperException.NoNodeException e) {
                    continue;
                }
                nodes.add(path);
                for (String child : children) {
                    queue.add(path.equals("/") ? "/" + child : path + "/" + child);
                }
            }
            return nodes;
        } catch (Exception e) {
            throw new IllegalStateException("cannot walk " + root, e);
        }
    }

    /**
     * The answer of the four-letter command {@code command} ({@code srvr}, {@code cons},
     * {@code mntr}, {@code wchp}; all but {@code srvr} need {@code zookeeper.4lw.commands.whitelist}).
     */
    public static String fourLetters(int port, String command) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot ask the server at port " + port + ": " + e, e);
        }
    }

    /** The server's mode ({@code leader}, {@code follower}, {@code standalone}), or {@code down}. */
    public static String mode(int port) {
        String reply;
        try {
            reply = fourLetters(port, "srvr");
        } catch (UncheckedIOException e) {
            return "down";
        }
        for (String line : reply.split("\n")) {
            if (line.startsWith("Mode: ")) {
                return line.substring(6).trim();
            }
        }
        return "unknown";
    }

    @Override
    public String toString() {
        return "the ZooKeeper test server";
    }
}
