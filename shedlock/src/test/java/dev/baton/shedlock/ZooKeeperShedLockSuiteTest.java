package dev.baton.shedlock;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.test.support.AbstractExtensibleLockProviderIntegrationTest;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * ShedLock's own provider suite ({@code shedlock-test-support}: the basic contract, the extension
 * tests and the fuzz test), unchanged, against {@link BatonLockProvider} on a real ZooKeeper server.
 * The hooks: a provider on a fresh client per test, and another client that lists the held locks.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ZooKeeperShedLockSuiteTest extends AbstractExtensibleLockProviderIntegrationTest {

    private static TestingServer server;

    private LockClient locks;
    private LockClient observer;
    private BatonLockProvider provider;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, 0, null, "127.0.0.1"), true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @BeforeEach
    void openClients() {
        locks = open();
        observer = open();
        provider = new BatonLockProvider(locks);
    }

    @AfterEach
    void closeClients() {
        provider.close();
        locks.close();
        observer.close();
    }

    private static LockClient open() {
        return LockClients.open(Map.of("baton.backend", "zookeeper", "baton.zookeeper.connect", server.getConnectString(),
                "baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(5)).toMillis() + "ms"));
    }

    @Override
    protected ExtensibleLockProvider getLockProvider() {
        return provider;
    }

    @Override
    protected void assertUnlocked(String lockName) {
        ShedLockSuiteSupport.assertUnlocked(observer, lockName);
    }

    @Override
    protected void assertLocked(String lockName) {
        ShedLockSuiteSupport.assertLocked(observer, lockName);
    }
}
