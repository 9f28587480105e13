package dev.baton.lock.zookeeper;

import dev.baton.lock.LockClient;
import dev.baton.lock.testkit.LockContractTest;
import dev.baton.lock.testkit.TcpProxy;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The backend contract on a real ZooKeeper server. Every client connects through its own
 * {@link TcpProxy}, so a test can cut one client off while the others keep talking.
 */
class ZooKeeperLockContractTest extends LockContractTest {

    private static TestingServer server;
    private static CuratorFramework inspector;
    private static final Map<LockClient, TcpProxy> PROXIES = new ConcurrentHashMap<>();

    @BeforeAll
    static void startServer() {
        server = ZooKeeperTesting.startServer();
        inspector = ZooKeeperTesting.inspector(server.getConnectString());
    }

    @AfterAll
    static void stopServer() throws Exception {
        PROXIES.values().forEach(TcpProxy::close);
        PROXIES.clear();
        inspector.close();
        server.close();
    }

    @Override
    protected LockClient newClient() {
        TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", server.getPort()));
        LockClient client = ZooKeeperTesting.open("127.0.0.1:" + proxy.port());
        PROXIES.put(client, proxy);
        return client;
    }

    @Override
    protected void cutConnection(LockClient client) {
        PROXIES.get(client).cut();
    }

    @Override
    protected void restoreConnection(LockClient client) {
        PROXIES.get(client).restore();
    }

    @Override
    protected Duration lossHorizon() {
        return ZooKeeperTesting.sessionTimeout();
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        List<String> outside = new ArrayList<>();
        for (String path : ZooKeeperTesting.tree(inspector, "/")) {
            boolean ours = path.equals("/") || path.equals("/baton") || path.equals("/baton/locks")
                    || path.startsWith("/baton/locks/");
            boolean servers = path.equals("/zookeeper") || path.startsWith("/zookeeper/");
            if (!ours && !servers) {
                outside.add(path);
            }
        }
        return outside;
    }
}
