package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The engine's protocol timers (the janitor's retry, a stalled acquire's resync) run while a user
 * blocks the callback thread in a dependent stage: ARCHITECTURE.md promises such a user can delay
 * other completions but not stall the protocol. They used to share the callback thread.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ProtocolTimersTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;
    private LockEngine engine;

    @BeforeEach
    void start() throws Exception {
        curator = ZooKeeperServerExtension.connectedCurator(zk.connectString(), Duration.ofSeconds(10));
        engine = LockEngine.start(curator, ZooKeeperLockOptions.defaults(), false);
    }

    @AfterEach
    void stop() {
        engine.stop();
        curator.close();
    }

    @Test
    void aTimerRunsWhileAUserBlocksTheCallbackThread() throws Exception {
        CountDownLatch unblock = new CountDownLatch(1);
        CountDownLatch blocking = new CountDownLatch(1);
        engine.deliver(() -> {
            blocking.countDown();
            try {
                unblock.await(); // a user's dependent stage that waits on something of its own
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        try {
            assertThat(blocking.await(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isTrue();
            CompletableFuture<String> ran = new CompletableFuture<>();
            engine.schedule(() -> ran.complete(Thread.currentThread().getName()), 10);
            String thread = ran.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
            assertThat(thread).doesNotContain("callbacks");
        } finally {
            unblock.countDown();
        }
    }
}
