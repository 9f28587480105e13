package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.lock.zookeeper.LossPolicy;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A process pause longer than the session, as the holder sees it on waking: its monotonic clock
 * has jumped while none of ZooKeeper's threads has run yet. Here the engine's ticker jumps instead,
 * on a perfectly healthy connection, so nothing but the clock can end the lease: {@code isValid()}
 * is false on the very first look, in both loss policies.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SessionDeadlineAfterPauseTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();

    private final AtomicLong pausedFor = new AtomicLong();
    private LockEngine engine;

    private LockEngine engine(LossPolicy policy) throws InterruptedException {
        CuratorFramework curator = zk.connectedCurator(ZooKeeperServerExtension.sessionTimeout());
        engine = LockEngine.start(curator, ZooKeeperLockOptions.defaults().withLossPolicy(policy), false,
                () -> System.nanoTime() + pausedFor.get());
        return engine;
    }

    @AfterEach
    void stopEngine() {
        if (engine != null) {
            engine.stop();
        }
    }

    @ParameterizedTest
    @EnumSource(LossPolicy.class)
    void leaseIsInvalidOnTheFirstLookAfterAPauseLongerThanTheSession(LossPolicy policy) throws Exception {
        LockEngine locks = engine(policy);
        Lease lease = locks.lock("pause").acquire();
        long token = lease.fencingToken();
        assertThat(lease.isValid()).isTrue();

        pausedFor.addAndGet(ZooKeeperServerExtension.sessionTimeout().multipliedBy(2).toNanos());

        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::fencingToken).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SESSION_EXPIRED");
        assertThat(lease.lost().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .isEqualTo(LossReason.SESSION_EXPIRED);
        // The session was in fact alive: the lost lease's node is deleted, and the lock is free again.
        Lease next = locks.lock("pause").tryAcquire(Timing.scaled(Duration.ofSeconds(10))).orElseThrow();
        assertThat(next.fencingToken()).isGreaterThan(token);
        next.release();
    }

    @ParameterizedTest
    @EnumSource(LossPolicy.class)
    void leaseNobodyLooksAtIsLostByTheKeeperAfterThePause(LossPolicy policy) throws Exception {
        LockEngine locks = engine(policy);
        Lease lease = locks.lock("pause/unobserved").acquire();
        var lost = lease.lost();

        pausedFor.addAndGet(ZooKeeperServerExtension.sessionTimeout().multipliedBy(2).toNanos());

        assertThat(lost.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isEqualTo(LossReason.SESSION_EXPIRED);
        assertThat(lease.isValid()).isFalse();
    }
}
