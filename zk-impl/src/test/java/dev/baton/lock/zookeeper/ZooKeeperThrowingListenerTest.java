package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockListener;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A {@link LockListener} that throws from every method changes nothing: its faults are logged and
 * dropped, and acquiring, waiting, releasing and losing a lease work as without it.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ZooKeeperThrowingListenerTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();

    /** Counts its calls, and throws from each. */
    private static final class Throwing implements LockListener {
        final AtomicInteger calls = new AtomicInteger();

        private void fail() {
            calls.incrementAndGet();
            throw new IllegalStateException("a broken listener");
        }

        @Override
        public void acquireStarted(String backend, String lockName) {
            fail();
        }

        @Override
        public void acquired(String backend, String lockName, Duration waited) {
            fail();
        }

        @Override
        public void acquireFailed(String backend, String lockName, Duration waited, LockListener.AcquireFailure failure) {
            fail();
        }

        @Override
        public void released(String backend, String lockName, Duration held) {
            fail();
        }

        @Override
        public void lost(String backend, String lockName, LossReason reason, Duration held) {
            fail();
        }

        @Override
        public void connectionStateChanged(String backend, String state) {
            fail();
        }
    }

    @Test
    void aListenerThatThrowsEverywhereChangesNothing() throws Exception {
        Throwing listener = new Throwing();
        LockClient client = zk.closeAfter(LockClients.open(zk.config(), listener));
        LockClient other = zk.lockClient();

        Lease first = client.lock("listened").acquire();
        assertThat(other.lock("listened").tryAcquire(Duration.ZERO)).isEmpty();
        CompletableFuture<Lease> waiting = client.lock("listened").acquireAsync();
        Timing.await("the second request waits").during(Duration.ofMillis(200)).until(() -> !waiting.isDone());
        long firstToken = first.fencingToken();
        first.release();
        Lease second = waiting.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
        assertThat(second.fencingToken()).isGreaterThan(firstToken);

        String queue = "/baton/locks/" + dev.baton.lock.LockNames.encode("listened");
        for (String node : zk.curator().getChildren().forPath(queue)) {
            zk.curator().delete().forPath(queue + "/" + node);
        }
        assertThat(second.lost().get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(LossReason.TAKEN_OVER);
        // Calls made as futures complete may come just after; five are certain: two per acquire, one release.
        Timing.await("the listener was called, and threw, at each step").until(() -> listener.calls.get() >= 5);
        assertThat(other.lock("listened").tryAcquire(Timing.defaultWait())).isPresent();
    }
}
