package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.ProxiedClients;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The local session deadline (issue 15): a holder cut off from ZooKeeper by a network partition
 * (a {@link dev.baton.lock.testkit.TcpProxy} that holds every byte back) stops believing it holds
 * the lock before the server can expire its session and grant the lock to anyone else, in both
 * loss policies; and a healthy idle holder keeps its lease.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
@Tag("slow")
class ZooKeeperSessionDeadlineTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    @RegisterExtension
    final ProxiedClients proxied = new ProxiedClients();

    private LockClient proxiedClient(String lostOn) {
        return proxied.open(new InetSocketAddress("127.0.0.1", zk.port()),
                port -> zk.lockClient("127.0.0.1:" + port, Map.of("baton.zookeeper.lost-on", lostOn)));
    }

    /** The takeover is where two holders could overlap: the old one must already be invalid there. */
    private record Takeover(Lease lease, boolean oldHolderValid, boolean oldTokenServed) {
    }

    @ParameterizedTest(name = "lost-on={0}")
    @ValueSource(strings = {"suspended", "session-lost"})
    void partitionedHolderIsInvalidBeforeTheServerGrantsTheLockToAnother(String lostOn) throws Exception {
        LockClient holder = proxiedClient(lostOn);
        LockClient other = zk.lockClient(Map.of("baton.zookeeper.lost-on", lostOn));
        Lease held = holder.lock("deadline/partition").acquire();
        long token = held.fencingToken();
        CompletableFuture<LossReason> lost = held.lost();

        proxied.of(holder).forEach(proxy -> proxy.blackhole());
        CompletableFuture<Takeover> takeover = other.lock("deadline/partition").acquireAsync()
                .thenApply(lease -> new Takeover(lease, held.isValid(), servesToken(held)));

        Takeover seen = takeover.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
        assertThat(seen.oldHolderValid()).as("old holder's isValid() when another was granted").isFalse();
        assertThat(seen.oldTokenServed()).as("old holder's fencingToken() when another was granted").isFalse();
        assertThat(seen.lease().fencingToken()).isGreaterThan(token);
        LossReason reason = lost.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
        assertThat(reason).isIn(LossReason.SESSION_EXPIRED, LossReason.CONNECTION_SUSPENDED);
        if (lostOn.equals("session-lost")) {
            // Curator reports LOST only a whole session after SUSPENDED: the deadline came first.
            assertThat(reason).isEqualTo(LossReason.SESSION_EXPIRED);
        }

        proxied.restore(holder);
        assertThat(held.isValid()).isFalse();
        assertThatThrownBy(held::fencingToken).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("lost");
        long takeoverToken = seen.lease().fencingToken();
        seen.lease().release();
        Lease again = holder.lock("deadline/partition").tryAcquire(Timing.scaled(Duration.ofSeconds(20))).orElseThrow();
        assertThat(again.fencingToken()).isGreaterThan(takeoverToken);
        again.release();
    }

    @ParameterizedTest(name = "lost-on={0}")
    @ValueSource(strings = {"suspended", "session-lost"})
    void idleHolderOnAHealthySessionKeepsItsLease(String lostOn) throws Exception {
        LockClient holder = zk.lockClient(Map.of("baton.zookeeper.lost-on", lostOn));
        Lease held = holder.lock("deadline/idle").acquire();
        CompletableFuture<LossReason> lost = held.lost();
        Duration threeSessions = ZooKeeperServerExtension.sessionTimeout().multipliedBy(3);

        // Nothing but the keeper's heartbeats answers on this session meanwhile.
        Timing.await("an idle lease stays valid for three sessions").atMost(threeSessions.multipliedBy(2))
                .during(threeSessions).until(() -> held.isValid() && !lost.isDone());
        held.fencingToken();
        held.release();
    }

    @Test
    void expiredSessionsLeaseRefusesItsTokenWithTheRedisBackendsException() throws Exception {
        LockClient holder = proxiedClient("session-lost");
        Lease held = holder.lock("deadline/token").acquire();
        proxied.of(holder).forEach(proxy -> proxy.blackhole());

        Timing.await("the deadline passes").atMost(Timing.scaled(Duration.ofSeconds(20))).until(() -> !held.isValid());
        assertThatThrownBy(held::fencingToken).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SESSION_EXPIRED");
        assertThat(held.lost().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .isEqualTo(LossReason.SESSION_EXPIRED);
    }

    private static boolean servesToken(Lease lease) {
        try {
            lease.fencingToken();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }
}
