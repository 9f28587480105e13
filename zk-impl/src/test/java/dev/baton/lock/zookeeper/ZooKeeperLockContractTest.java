package dev.baton.lock.zookeeper;

import dev.baton.lock.LockClient;
import dev.baton.lock.testkit.RecipeContractTest;
import dev.baton.lock.testkit.ProxiedClients;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The backend contract, recipes included, on a real ZooKeeper server. Every client connects through its own
 * {@link TcpProxy}, so a test can cut one client off while the others keep talking.
 */
class ZooKeeperLockContractTest extends RecipeContractTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();
    @RegisterExtension
    static final ProxiedClients PROXIED = new ProxiedClients();

    ZooKeeperLockContractTest() {
        super(PROXIED);
    }

    @Override
    protected LockClient newClient() {
        return PROXIED.open(new InetSocketAddress("127.0.0.1", ZK.port()),
                port -> ZK.lockClient("127.0.0.1:" + port, Map.of()));
    }

    @Override
    protected Duration lossHorizon() {
        return ZooKeeperServerExtension.sessionTimeout();
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        List<String> outside = new ArrayList<>();
        for (String path : ZooKeeperServerExtension.tree(ZK.curator(), "/")) {
            boolean ours = path.equals("/") || path.equals("/baton");
            for (String kind : List.of("/baton/locks", "/baton/elections", "/baton/rwlocks", "/baton/semaphores")) {
                ours |= path.equals(kind) || path.startsWith(kind + "/");
            }
            boolean servers = path.equals("/zookeeper") || path.startsWith("/zookeeper/");
            if (!ours && !servers) {
                outside.add(path);
            }
        }
        return outside;
    }
}
