package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.participant.HostHooks;
import dev.baton.txn.participant.ParticipantHost;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The two classic TCC/2PC anomalies, with the in-memory participant. <b>Empty rollback</b>: an abort
 * reaches a branch that never prepared; it must finish (and acknowledge) without error. <b>Suspension</b>:
 * a prepare arrives after the transaction was aborted; it must not leave work prepared (or
 * committed) behind. The XA versions, on PostgreSQL, are in {@link XaParticipantTest}.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmptyRollbackAndSuspensionTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;
    private final MemoryParticipant a = new MemoryParticipant();
    private final MemoryParticipant b = new MemoryParticipant();

    @BeforeEach
    void start() {
        curator = TxnTesting.client(zk);
    }

    private ParticipantHost host(CuratorFramework client, String name, MemoryParticipant participant, Clock clock) {
        return zk.closeAfter(ParticipantHost.builder(client).participant(name, participant).abortGrace(Duration.ofMillis(500))
                .clock(clock).start());
    }

    /**
     * Runs a transaction that aborts at its deadline while nobody serves participant {@code a}:
     * {@code a} looks live (an instance registered by hand) but no host reads its inbox.
     */
    private Outcome abortWhileAIsDown() throws Exception {
        TxnTesting.registerGhost(curator, "a");
        host(curator, "b", b, Clock.systemUTC());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        Outcome outcome = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofMillis(500)).commit();
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("deadline").contains("[a]");
        return outcome;
    }

    @Test
    void emptyRollbackAnAbortForABranchThatNeverPreparedFinishesAndIsAcknowledged() throws Exception {
        Outcome outcome = abortWhileAIsDown();

        host(curator, "a", a, Clock.systemUTC());
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(a.state(outcome.txnId())).as("a never prepared").isNull();
        assertThat(b.state(outcome.txnId())).isEqualTo(MemoryParticipant.State.ABORTED);
        assertThat(a.violations).isEmpty();
    }

    @Test
    void emptyRollbackTheAttemptThatVotedNoIsAbortedAsANoOp() throws Exception {
        a.voter = branch -> Vote.no("refused before preparing anything");
        host(curator, "a", a, Clock.systemUTC());
        host(curator, "b", b, Clock.systemUTC());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        Outcome outcome = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1]).commit();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(a.aborts).as("the host aborts the attempt that voted NO").singleElement()
                .satisfies(id -> assertThat(id.txnId()).isEqualTo(outcome.txnId()));
        assertThat(a.state(outcome.txnId())).as("it was never prepared, and still is not").isNull();
        assertThat(a.violations).isEmpty();
    }

    @Test
    void suspensionAPrepareRequestThatArrivesAfterTheAbortIsNeverRun() throws Exception {
        Outcome outcome = abortWhileAIsDown();

        host(curator, "a", a, Clock.systemUTC());
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(a.prepares.get()).as("the late prepare request is not run").isZero();
        assertThat(a.txnIds()).doesNotContain(outcome.txnId());
    }

    @Test
    void suspensionAPrepareRequestThatArrivesAfterTheDeadlineVotesNoWithoutPreparing() throws Exception {
        host(curator, "a", a, Clock.offset(Clock.systemUTC(), Duration.ofHours(1)));
        host(curator, "b", b, Clock.systemUTC());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        Outcome outcome = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(30)).commit();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.vote("a").orElseThrow().reason()).contains("after the deadline");
        assertThat(a.prepares.get()).isZero();
        assertThat(b.committed(outcome.txnId())).isFalse();
    }

    @Test
    void suspensionAPrepareThatCompletesAfterTheAbortIsRolledBackNotLeftPrepared() throws Exception {
        a.gate = new CountDownLatch(1);
        host(curator, "a", a, Clock.systemUTC());
        host(curator, "b", b, Clock.systemUTC());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        CompletableFuture<Outcome> future = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofMillis(500)).commitAsync();
        Outcome outcome = future.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(a.prepares.get()).as("a's prepare is still running").isEqualTo(1);

        a.gate.countDown();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(a.state(outcome.txnId())).as("prepared late, then rolled back").isEqualTo(MemoryParticipant.State.ABORTED);
        assertThat(a.settled(outcome.txnId())).isTrue();
        assertThat(a.violations).isEmpty();
        assertThat(coordinator.outcome(outcome.txnId()).orElseThrow().vote("a")).as("the late vote does not count").isEmpty();
    }

    @Test
    void suspensionAPrepareLeftBehindByACrashAfterTheAbortIsRolledBackOnRestart() throws Exception {
        CuratorFramework doomed = TxnTesting.client(zk);
        AtomicReference<String> crashed = new AtomicReference<>();
        a.gate = new CountDownLatch(1);
        zk.closeAfter(HostHooks.steps(ParticipantHost.builder(doomed).participant("a", a).abortGrace(Duration.ofMillis(500)),
                (step, txnId) -> {
                    if (step == Step.PREPARED && crashed.compareAndSet(null, txnId)) {
                        doomed.close();
                        throw new IllegalStateException("simulated crash between a late prepare and its vote");
                    }
                }).start());
        host(curator, "b", b, Clock.systemUTC());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        Outcome outcome = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofMillis(500)).commit();
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        a.gate.countDown();
        Timing.await("a prepared after the abort and crashed").until(() -> crashed.get() != null);
        assertThat(a.state(outcome.txnId())).isEqualTo(MemoryParticipant.State.PREPARED);

        host(TxnTesting.client(zk), "a", a, Clock.systemUTC());
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(a.state(outcome.txnId())).isEqualTo(MemoryParticipant.State.ABORTED);
        assertThat(a.violations).isEmpty();
    }
}
