package dev.baton.lock.testkit.inmemory;

import dev.baton.lock.LockClient;
import dev.baton.lock.testkit.LockContractTest;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the contract against the in-memory reference backend, from another package, as a backend
 * would: proof that the contract can be passed and that its hooks are reachable.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class InMemoryLockContractTest extends LockContractTest {

    private static final Duration HORIZON = Duration.ofSeconds(1);
    private static InMemoryLockServer server;
    private static ScheduledExecutorService timer;

    @BeforeAll
    static void startServer() {
        server = new InMemoryLockServer();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "in-memory-lock-expiry");
            thread.setDaemon(true);
            return thread;
        });
    }

    @AfterAll
    static void stopServer() {
        timer.shutdownNow();
    }

    @Override
    protected LockClient newClient() {
        return new InMemoryLockClient(server, timer);
    }

    @Override
    protected void cutConnection(LockClient client) {
        ((InMemoryLockClient) client).cut(HORIZON);
    }

    @Override
    protected void restoreConnection(LockClient client) {
        ((InMemoryLockClient) client).restore();
    }

    @Override
    protected Duration lossHorizon() {
        return HORIZON;
    }

    @Override
    protected Collection<String> entriesOutsideNamespace() {
        return server.entriesOutside();
    }
}
