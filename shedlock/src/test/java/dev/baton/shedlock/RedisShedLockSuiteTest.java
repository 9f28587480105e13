package dev.baton.shedlock;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.test.support.AbstractExtensibleLockProviderIntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/** ShedLock's own provider suite, unchanged, against {@link BatonLockProvider} on a real redis-server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisShedLockSuiteTest extends AbstractExtensibleLockProviderIntegrationTest {

    private static EmbeddedRedis redis;

    private LockClient locks;
    private LockClient observer;
    private BatonLockProvider provider;

    @BeforeAll
    static void startServer() {
        redis = EmbeddedRedis.start();
    }

    @AfterAll
    static void stopServer() {
        if (redis != null) {
            redis.close();
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
        return LockClients.open(Map.of("baton.backend", "redis", "baton.redis.uri", redis.uri()));
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
