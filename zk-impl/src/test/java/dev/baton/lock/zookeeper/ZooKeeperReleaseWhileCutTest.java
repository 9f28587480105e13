package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.ProxiedClients;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code release()} while ZooKeeper cannot be reached and the lease still stands ({@code
 * lost-on=session-lost}): it returns without waiting for the connection, and the lock is freed as
 * soon as the connection returns, long before the session would have expired.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperReleaseWhileCutTest {

    /** Long enough that only the reconnection, not the session's expiry, can free the lock in the test's waits. */
    private static final Duration SESSION = Timing.scaled(Duration.ofSeconds(40));

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create()
            .property("maxSessionTimeout", SESSION.toMillis());
    @RegisterExtension
    final ProxiedClients proxied = new ProxiedClients();

    @Test
    void aReleaseWhileZooKeeperIsUnreachableReturnsAtOnceAndTheLockIsFreedOnReconnection() throws Exception {
        LockClient holder = proxied.open(new InetSocketAddress("127.0.0.1", zk.port()), port -> {
            Map<String, String> config = ZooKeeperServerExtension.config("127.0.0.1:" + port);
            config.put("baton.zookeeper.session-timeout", SESSION.toMillis() + "ms");
            config.put("baton.zookeeper.lost-on", "session-lost");
            // A release that waited for the connection would wait this long, far past the 5 s below.
            config.put("baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(30)).toMillis() + "ms");
            return zk.closeAfter(LockClients.open(config));
        });
        LockClient other = zk.lockClient();
        Lease lease = holder.lock("released-while-cut").acquire();

        proxied.cut(holder);
        CompletableFuture.runAsync(lease::release).get(Timing.scaledMillis(5_000), TimeUnit.MILLISECONDS);
        assertThat(other.lock("released-while-cut").tryAcquire(Duration.ZERO))
                .as("the node stays until the holder can delete it").isEmpty();

        proxied.restore(holder);
        Optional<Lease> next = other.lock("released-while-cut").tryAcquire(Timing.scaled(Duration.ofSeconds(15)));
        assertThat(next).as("freed on reconnection, within 15 s of a %s s session", SESSION.toSeconds()).isPresent();
        next.get().release();
    }
}
