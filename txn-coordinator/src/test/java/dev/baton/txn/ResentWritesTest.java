package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.participant.HostHooks;
import dev.baton.txn.participant.ParticipantHost;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every write the coordinator and the hosts send but the begin may reach ZooKeeper twice: when its
 * reply was lost (a connection loss, or an expired session), the next evaluation may send it again,
 * on the same session or a new one, by which time other parties may have finished the transaction.
 * The {@link TxnStore.Resend} hook sends a write that took effect once more, after letting the test
 * move the world on. Each test names a write of the audit in docs/ARCHITECTURE.md and shows its
 * second arrival changes nothing.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ResentWritesTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework inspector;
    private final MemoryParticipant a = new MemoryParticipant();
    private final MemoryParticipant b = new MemoryParticipant();

    @BeforeEach
    void start() {
        inspector = TxnTesting.client(zk);
    }

    private CuratorFramework client() {
        return TxnTesting.client(zk);
    }

    private ParticipantHost host(String name, MemoryParticipant participant, TxnStore.Resend resend) {
        return zk.closeAfter(HostHooks.resend(ParticipantHost.builder(client()).participant(name, participant), resend)
                .abortGrace(Duration.ofMillis(500)).start());
    }

    private TransactionCoordinator coordinator(TxnStore.Resend resend) {
        return zk.closeAfter(TransactionCoordinator.builder(client()).resend(resend).historySize(5).start());
    }

    /**
     * Resends the first write whose path {@code matches}, once, after {@code meanwhile} ran with
     * the id of the transaction the path is under.
     */
    private static TxnStore.Resend once(Predicate<String> matches, java.util.function.Consumer<String> meanwhile) {
        AtomicBoolean done = new AtomicBoolean();
        return path -> {
            if (matches.test(path) && done.compareAndSet(false, true)) {
                java.util.regex.Matcher id = java.util.regex.Pattern.compile("tx-[0-9a-f]{12}-[0-9a-f]{16}").matcher(path);
                meanwhile.accept(id.find() ? id.group() : null);
                return true;
            }
            return false;
        };
    }

    private CompletableFuture<Outcome> transfer(TransactionCoordinator coordinator) {
        return coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1]).timeout(Duration.ofSeconds(10))
                .commitAsync();
    }

    private void awaitFinished(String txnId) {
        Timing.await(txnId + " finished and collected").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> TxnTesting.transactions(inspector).isEmpty() && historyEntries(txnId) == 1);
    }

    private long historyEntries(String txnId) throws Exception {
        return inspector.getChildren().forPath("/baton/txn-history").stream()
                .filter(name -> name.endsWith("-" + txnId)).count();
    }

    private static void kill(CuratorFramework curator) {
        try {
            KillSession.kill(curator.getZookeeperClient().getZooKeeper());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void assertClean() {
        assertThat(a.violations).isEmpty();
        assertThat(b.violations).isEmpty();
        assertThat(TxnTesting.inboxEntries(inspector)).isEmpty();
    }

    /**
     * Every write of every party, sent twice in a row (a lost reply on a live session), over
     * transactions that commit and ones that abort on a NO vote, and a forgotten history entry:
     * same outcomes, one record and one history entry per transaction, nothing left.
     */
    @Test
    void everyWriteSentTwiceInARowChangesNothing() throws Exception {
        TxnStore.Resend always = path -> true;
        host("a", a, always);
        host("b", b, always);
        TransactionCoordinator coordinator = coordinator(always);
        long before = TxnTesting.zxid(zk.port());
        Map<String, TransactionState> told = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            boolean refuse = i % 3 == 2;
            b.voter = branch -> refuse ? Vote.no("refused on purpose") : Vote.yes();
            Outcome outcome = transfer(coordinator).get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
            assertThat(outcome.isCommitted()).isEqualTo(!refuse);
            told.put(outcome.txnId(), outcome.state());
        }
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(30));

        for (Map.Entry<String, TransactionState> outcome : told.entrySet()) {
            assertThat(a.committed(outcome.getKey())).isEqualTo(outcome.getValue() == TransactionState.COMMITTED);
            assertThat(b.committed(outcome.getKey())).isEqualTo(outcome.getValue() == TransactionState.COMMITTED);
            assertThat(TxnLogReader.createsAfter(zk.server().getTempDirectory(), before))
                    .filteredOn(path -> path.equals(TxnTesting.TXNS + "/" + outcome.getKey())).hasSize(1);
        }
        String newest = coordinator.admin().recentOutcomes(1).get(0).txnId();
        assertThat(coordinator.admin().forget(newest)).as("forgotten, though the resend found it gone").isTrue();
        assertThat(coordinator.status(newest).kind()).as("forgotten, not 'never begun'")
                .isEqualTo(TransactionStatus.Kind.UNKNOWN);
        assertThat(coordinator.problems()).isEmpty();
        assertClean();
    }

    /**
     * A participant's vote (YES, or NO with its ABORT) takes effect; its instance's session
     * expires before the reply; another instance of the participant finishes the branch and the
     * transaction is collected; then the vote arrives again on the new session.
     */
    @ParameterizedTest(name = "vote {0}")
    @ValueSource(strings = {"YES", "NO"})
    void aVoteSentAgainAfterTheTransactionFinishedElsewhereResurrectsNothing(String vote) throws Exception {
        a.voter = branch -> vote.equals("YES") ? Vote.yes() : Vote.no("refused on purpose");
        CuratorFramework first = client();
        AtomicBoolean resent = new AtomicBoolean();
        ParticipantHost firstA = zk.closeAfter(HostHooks.resend(ParticipantHost.builder(first).participant("a", a)
                .abortGrace(Duration.ofMillis(500)), once(path -> path.endsWith("/vote-a"), txnId -> {
                    host("a", a, null); // a second instance of a, on the same resource
                    kill(first);
                    awaitFinished(txnId);
                    resent.set(true);
                })).start());
        host("b", b, null);
        TransactionCoordinator coordinator = coordinator(null);
        long before = TxnTesting.zxid(zk.port());
        // A short deadline: the first instance's host is alive and registers again on its new
        // session; if it is the branch's owner, the second instance stands by until the deadline
        // plus the grace period, while the first's task waits here for the transaction to finish.
        CompletableFuture<Outcome> told = coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(2)).commitAsync();
        Outcome outcome = told.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
        Timing.await("the vote was sent again").atMost(Timing.scaled(Duration.ofSeconds(30))).until(resent::get);
        awaitFinished(outcome.txnId());

        assertThat(outcome.isCommitted()).isEqualTo(vote.equals("YES"));
        assertThat(a.committed(outcome.txnId())).isEqualTo(vote.equals("YES"));
        assertThat(b.committed(outcome.txnId())).isEqualTo(vote.equals("YES"));
        assertThat(TxnLogReader.createsAfter(zk.server().getTempDirectory(), before))
                .as("nothing of the transaction was created again").filteredOn(path -> path.startsWith(
                        TxnTesting.TXNS + "/" + outcome.txnId())).doesNotHaveDuplicates();
        assertThat(firstA.problems()).isEmpty();
        assertClean();
    }

    /**
     * The driver's decision takes effect; its session expires before the reply; another
     * coordinator instance takes the transaction over and finishes it; then the decision arrives
     * again. The caller of the first instance learns the outcome from the history.
     */
    @Test
    void aDecisionSentAgainAfterAnotherCoordinatorFinishedTheTransactionResurrectsNothing() throws Exception {
        host("a", a, null);
        host("b", b, null);
        coordinator(null); // the survivor
        CuratorFramework victimClient = client();
        TransactionCoordinator victim = zk.closeAfter(TransactionCoordinator.builder(victimClient)
                .resend(once(path -> path.endsWith("/decision"), txnId -> {
                    kill(victimClient);
                    awaitFinished(txnId);
                })).start());
        CompletableFuture<Outcome> told = transfer(victim);

        Outcome outcome = told.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.isCommitted()).isTrue();
        assertThat(outcome.finishedAt()).as("learnt from the history").isPresent();
        assertThat(a.committed(outcome.txnId()) && b.committed(outcome.txnId())).isTrue();
        assertThat(TxnTesting.transactions(inspector)).isEmpty();
        assertThat(historyEntries(outcome.txnId())).isOne();
        assertClean();
    }

    /**
     * An operator's ABORT that arrives twice (a resent write, or the same command run again): the
     * second create fails with NodeExists on a decision with the same bytes, so it too is told the
     * ABORT is its decision; an ABORT with another reason is told it is not. The transaction ends
     * ABORTED with the first reason.
     */
    @Test
    void anOperatorsAbortArrivingTwiceIsToldItsOwnAndAnotherIsNot() throws Exception {
        CountDownLatch voting = new CountDownLatch(1);
        CountDownLatch vote = new CountDownLatch(1);
        b.voter = branch -> {
            voting.countDown();
            try {
                vote.await(); // holds the transaction open: b neither votes nor acknowledges
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Vote.yes();
        };
        host("a", a, null);
        host("b", b, null);
        TransactionCoordinator coordinator = coordinator(null);
        CompletableFuture<Outcome> told = transfer(coordinator);
        try {
            assertThat(voting.await(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isTrue();
            String txnId = TxnTesting.transactions(inspector).get(0);
            assertThat(coordinator.admin().abort(txnId, "stuck on b")).as("the first ABORT").isTrue();
            assertThat(coordinator.admin().abort(txnId, "stuck on b")).as("the same ABORT again").isTrue();
            assertThat(coordinator.admin().abort(txnId, "another reason")).as("another ABORT").isFalse();
        } finally {
            vote.countDown();
        }
        Outcome outcome = told.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("aborted by an operator: stuck on b");
        awaitFinished(outcome.txnId());
        assertThat(a.committed(outcome.txnId()) || b.committed(outcome.txnId())).isFalse();
        assertClean();
    }

    /**
     * A participant's acknowledgement (with the removal of its inbox entry) takes effect; its
     * session expires; the transaction is collected; then the acknowledgement arrives again.
     */
    @Test
    void anAcknowledgementSentAgainAfterTheCollectResurrectsNothing() throws Exception {
        CuratorFramework first = client();
        AtomicBoolean resent = new AtomicBoolean();
        zk.closeAfter(HostHooks.resend(ParticipantHost.builder(first).participant("a", a).abortGrace(Duration.ofMillis(500)),
                once(path -> path.endsWith("/ack-a"), txnId -> {
                    kill(first);
                    awaitFinished(txnId);
                    resent.set(true);
                })).start());
        host("b", b, null);
        TransactionCoordinator coordinator = coordinator(null);
        CompletableFuture<Outcome> told = transfer(coordinator);
        Outcome outcome = told.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
        Timing.await("the acknowledgement was sent again").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(resent::get);

        assertThat(outcome.isCommitted()).isTrue();
        Timing.await("still nothing under txn/ after the resend").until(() -> TxnTesting.transactions(inspector)
                .isEmpty() && TxnTesting.inboxEntries(inspector).isEmpty());
        assertThat(historyEntries(outcome.txnId())).isOne();
        assertClean();
    }

    /**
     * Two instances of one participant acknowledge the same branch, one plainly ({@code ack-a}) and
     * one with a heuristic finding ({@code heuristic-a}, created here by hand as that second
     * instance would, while b's commit is held so that the transaction cannot be collected yet):
     * the collect deletes each once and the finding reaches the history.
     */
    @Test
    void aPlainAndAHeuristicAcknowledgementOfOneParticipantAreBothCollected() throws Exception {
        CountDownLatch bCommits = new CountDownLatch(1);
        b.commitGate = bCommits;
        host("a", a, once(path -> path.endsWith("/ack-a"), txnId -> {
            try {
                inspector.create().forPath(TxnTesting.TXNS + "/" + txnId + "/heuristic-a",
                        TxnCodec.ack("ROLLED_BACK: by hand, in a test"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            } finally {
                bCommits.countDown();
            }
        }));
        host("b", b, null);
        TransactionCoordinator coordinator = coordinator(null);
        Outcome outcome = transfer(coordinator).get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);

        assertThat(outcome.isCommitted()).isTrue();
        awaitFinished(outcome.txnId());
        assertThat(coordinator.outcome(outcome.txnId()).orElseThrow().heuristics())
                .containsOnlyKeys("a").containsValue("ROLLED_BACK: by hand, in a test");
        assertClean();
    }

    /**
     * A participant that voted YES and saw no decision by the deadline plus its grace period
     * decides ABORT itself; that decision arrives twice; the outcome is one ABORT.
     */
    @Test
    void aParticipantsOwnAbortSentTwiceIsOneDecision() throws Exception {
        host("a", a, path -> path.endsWith("/decision"));
        host("b", b, null);
        // The only coordinator dies as it is about to decide: the participants decide at the
        // deadline plus their grace period.
        CuratorFramework doomed = TxnTesting.client(zk.connectString());
        TransactionCoordinator gone = zk.closeAfter(TransactionCoordinator.builder(doomed).steps((step, id) -> {
            if (step == StepListener.Step.DECIDING) {
                doomed.close();
                throw new IllegalStateException("simulated crash before the decision");
            }
        }).start());
        // A deadline long enough for both hosts to prepare first even on a loaded machine (past its
        // deadline a host refuses to prepare, and nobody would be left to decide ABORT itself).
        CompletableFuture<Outcome> told = gone.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Timing.scaled(Duration.ofSeconds(3))).commitAsync();
        Throwable failure = Timing.await("the caller is answered").until(() -> told.handle((o, e) -> e).getNow(null),
                e -> e != null);
        assertThat(failure).isInstanceOf(OutcomeUnknownException.class);
        String txnId = a.txnIds().iterator().next();

        Timing.await("the participants aborted it").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .until(() -> a.state(txnId) == MemoryParticipant.State.ABORTED
                        && b.state(txnId) == MemoryParticipant.State.ABORTED);
        TransactionCoordinator collector = coordinator(null);
        awaitFinished(txnId);
        assertThat(collector.status(txnId).outcome().orElseThrow().reason()).contains("decided ABORT itself");
        assertClean();
    }
}
