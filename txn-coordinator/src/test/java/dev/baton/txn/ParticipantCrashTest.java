package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.participant.HostHooks;
import dev.baton.txn.participant.ParticipantHost;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Participants crash (their host's ZooKeeper client closed abruptly) between protocol steps and
 * come back on the same durable state; coordinators die and the participants end transactions
 * themselves.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ParticipantCrashTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;
    private final MemoryParticipant a = new MemoryParticipant();
    private final MemoryParticipant b = new MemoryParticipant();

    @BeforeEach
    void start() {
        curator = TxnTesting.client(zk);
    }

    private CuratorFramework newClient() {
        return TxnTesting.client(zk);
    }

    private ParticipantHost hostA(CuratorFramework client, StepListener steps) {
        return zk.closeAfter(HostHooks.steps(ParticipantHost.builder(client).participant("a", a)
                .abortGrace(Duration.ofMillis(500)), steps).start());
    }

    private ParticipantHost hostB() {
        return zk.closeAfter(ParticipantHost.builder(curator).participant("b", b).abortGrace(Duration.ofMillis(500)).start());
    }

    private static StepListener crashAt(Step step, CuratorFramework client, AtomicReference<String> crashed) {
        return (reached, txnId) -> {
            if (reached == step && crashed.compareAndSet(null, txnId)) {
                client.close();
                throw new IllegalStateException("simulated participant crash after " + step);
            }
        };
    }

    @ParameterizedTest(name = "participant crashes after {0}")
    @EnumSource(names = {"PREPARED", "VOTED", "APPLIED"})
    void aParticipantThatCrashesMidwayFinishesItsBranchWhenItRestarts(Step step) throws Exception {
        CuratorFramework first = newClient();
        AtomicReference<String> crashed = new AtomicReference<>();
        hostA(first, crashAt(step, first, crashed));
        hostB();
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        CompletableFuture<Outcome> future = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(20)).commitAsync();
        Timing.await("participant a crashed").until(() -> crashed.get() != null);
        String txnId = crashed.get();
        assertThat(a.state(txnId)).isEqualTo(step == Step.APPLIED ? MemoryParticipant.State.COMMITTED
                : MemoryParticipant.State.PREPARED);

        hostA(newClient(), StepListener.NONE);
        Outcome outcome = future.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(20));

        assertThat(outcome.isCommitted()).isTrue();
        assertThat(a.committed(txnId)).isTrue();
        assertThat(b.committed(txnId)).isTrue();
        assertThat(a.prepares.get()).as("the restarted participant did not prepare twice").isEqualTo(1);
        assertThat(a.violations).isEmpty();
    }

    @Test
    void yesVotersAbortOnTheirOwnWhenNoCoordinatorIsLeftAndALaterOneCollects() throws Exception {
        hostA(curator, StepListener.NONE);
        hostB();
        CuratorFramework doomed = newClient();
        AtomicReference<String> crashed = new AtomicReference<>();
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.builder(doomed)
                .steps(crashAt(Step.DECIDING, doomed, crashed)).start());

        coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1]).timeout(Duration.ofMillis(500))
                .commitAsync();
        Timing.await("the coordinator died before deciding").until(() -> crashed.get() != null);
        String txnId = crashed.get();
        Timing.await("both participants aborted on their own")
                .until(() -> a.state(txnId) == MemoryParticipant.State.ABORTED
                        && b.state(txnId) == MemoryParticipant.State.ABORTED);
        Decision decision = TxnCodec.decision(txnId, curator.getData().forPath(TxnTesting.TXNS + "/" + txnId
                + "/decision"));
        assertThat(decision.commit()).isFalse();
        assertThat(decision.reason()).contains("decided ABORT itself");
        assertThat(TxnTesting.transactions(curator)).containsExactly(txnId);

        TransactionCoordinator later = zk.closeAfter(TransactionCoordinator.start(newClient()));
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        assertThat(later.problems()).isEmpty();
    }

    @Test
    void aParticipantThatWasDownWhenTheTransactionAbortedRollsBackWithoutPreparing() throws Exception {
        CuratorFramework first = newClient();
        ParticipantHost downHost = hostA(first, StepListener.NONE);
        hostB();
        AtomicReference<String> begun = new AtomicReference<>();
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.builder(curator).steps((step, txnId) -> {
            // Before the begin is sent, so the host cannot have seen its inbox entry yet.
            if (step == Step.BEGINNING && begun.compareAndSet(null, txnId)) {
                downHost.close();
                first.close();
            }
        }).start());

        Outcome outcome = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofMillis(500)).commit();
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("deadline").contains("[a]");

        hostA(newClient(), StepListener.NONE);
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        assertThat(a.prepares.get()).as("an aborted branch is never prepared late").isZero();
        assertThat(a.state(outcome.txnId())).isNull();
        assertThat(b.state(outcome.txnId())).isEqualTo(MemoryParticipant.State.ABORTED);
    }

    @Test
    void clockSkewBetweenParticipantAndCoordinatorNeverBreaksAtomicity() throws Exception {
        Clock farAhead = Clock.offset(Clock.systemUTC(), Duration.ofHours(1));
        zk.closeAfter(ParticipantHost.builder(curator).participant("a", a).abortGrace(Duration.ZERO).clock(farAhead).start());
        hostB();
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            outcomes.add(coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                    .timeout(Duration.ofSeconds(10)).commit());
        }
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        for (Outcome outcome : outcomes) {
            assertThat(a.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
            assertThat(b.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
        }
        assertThat(a.violations).isEmpty();
        assertThat(b.violations).isEmpty();
    }
    /**
     * A participant votes NO and the write of that vote is lost with the connection. The next
     * evaluation must not take the attempt that said NO for a prepared one and vote YES for it
     * (the decision would then be COMMIT, applied to an attempt that was never prepared).
     */
    @Test
    void aNoVoteWhoseWriteWasLostIsNeverTurnedIntoAYes() throws Exception {
        dev.baton.lock.testkit.TcpProxy proxy = zk.closeAfter(dev.baton.lock.testkit.TcpProxy.start(
                new java.net.InetSocketAddress("127.0.0.1", zk.port())));
        CuratorFramework cutOff = newClient();
        CuratorFramework throughProxy = zk.closeAfter(TxnTesting.client("127.0.0.1:" + proxy.port()));
        a.voter = branch -> Vote.no("refused on purpose");
        java.util.concurrent.atomic.AtomicBoolean cut = new java.util.concurrent.atomic.AtomicBoolean();
        hostA(throughProxy, (step, txnId) -> {
            if (step == Step.PREPARED && cut.compareAndSet(false, true)) {
                proxy.cut(); // the NO vote that comes next cannot be sent
                java.util.concurrent.CompletableFuture.delayedExecutor(Timing.scaledMillis(300),
                        TimeUnit.MILLISECONDS).execute(proxy::restore);
            }
        });
        hostB();
        cutOff.close();
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        Outcome outcome = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(20)).commit();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(20));

        assertThat(cut).isTrue();
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("'a' voted NO");
        assertThat(a.committed(outcome.txnId())).isFalse();
        assertThat(b.committed(outcome.txnId())).isFalse();
        assertThat(a.violations).isEmpty();
    }
}
