package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.participant.BranchId;
import dev.baton.txn.participant.HeuristicOutcomeException;
import dev.baton.txn.participant.HostHooks;
import dev.baton.txn.participant.Participant;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.xa.XaParticipant;
import dev.baton.txn.xa.XaWork;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The XA adapter on two real PostgreSQL databases: transfers, refusals, crashes and recovery. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class XaParticipantTest {

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;

    @BeforeEach
    void start() throws Exception {
        Bank.reset(BANK.port());
        curator = TxnTesting.client(zk);
    }

    private XaParticipant participant(String db) {
        return zk.closeAfter(new XaParticipant(Bank.dataSource(BANK.port(), db), Bank::transfer));
    }

    private ParticipantHost host(CuratorFramework client, StepListener steps) {
        return zk.closeAfter(HostHooks.steps(ParticipantHost.builder(client).participant("bank-a", participant("bank_a"))
                .participant("bank-b", participant("bank_b")).abortGrace(Duration.ofSeconds(1)), steps).start());
    }

    private static byte[] move(int account, long delta) {
        return (account + ":" + delta).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void aTransferCommitsInBothDatabases() throws Exception {
        host(curator, StepListener.NONE);
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        Outcome outcome = coordinator.begin().branch("bank-a", move(1, -300)).branch("bank-b", move(2, 300)).commit();

        assertThat(outcome.isCommitted()).isTrue();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(700);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(1300);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).containsExactly(outcome.txnId());
        assertThat(Bank.transfers(BANK.port(), "bank_b")).containsExactly(outcome.txnId());
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    @Test
    void aRefusingDatabaseAbortsTheTransferInBoth() throws Exception {
        host(curator, StepListener.NONE);
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        Outcome outcome = coordinator.begin().branch("bank-a", move(1, -5000)).branch("bank-b", move(2, 5000)).commit();

        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("insufficient funds in account 1");
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        assertThat(Bank.total(BANK.port())).isEqualTo(2 * Bank.ACCOUNTS * Bank.OPENING_BALANCE);
        assertThat(Bank.transfers(BANK.port(), "bank_b")).isEmpty();
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    @Test
    void twoHostsOfTheSameDatabasesApplyEveryTransferExactlyOnce() throws Exception {
        host(curator, StepListener.NONE);
        host(TxnTesting.client(zk), StepListener.NONE);
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        int committed = 0;
        for (int i = 0; i < 10; i++) {
            Outcome outcome = coordinator.begin().branch("bank-a", move(6, -10)).branch("bank-b", move(7, 10))
                    .timeout(Duration.ofSeconds(10)).commit();
            committed += outcome.isCommitted() ? 1 : 0;
        }
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(20));
        Timing.await("no prepared transaction is left").until(() -> Bank.prepared(BANK.port()).isEmpty());

        assertThat(committed).isPositive();
        assertThat(Bank.balance(BANK.port(), "bank_a", 6)).isEqualTo(1000 - 10L * committed);
        assertThat(Bank.balance(BANK.port(), "bank_b", 7)).isEqualTo(1000 + 10L * committed);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).hasSize(committed)
                .isEqualTo(Bank.transfers(BANK.port(), "bank_b"));
    }

    @Test
    void idleConnectionsAreKeptUpToMaxIdleSoAHostOpensNoMoreThanItsThreads() throws Exception {
        AtomicInteger openedA = new AtomicInteger();
        AtomicInteger openedB = new AtomicInteger();
        XaParticipant keeping = zk.closeAfter(new XaParticipant(counting(Bank.dataSource(BANK.port(), "bank_a"), openedA),
                Bank::transfer, 4));
        XaParticipant keepingNone = zk.closeAfter(new XaParticipant(counting(Bank.dataSource(BANK.port(), "bank_b"), openedB),
                Bank::transfer, 0));
        zk.closeAfter(ParticipantHost.builder(curator).threads(4).participant("bank-a", keeping)
                .participant("bank-b", keepingNone).start());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try {
            List<Future<Outcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < Bank.ACCOUNTS; i++) {
                int account = i + 1; // an account of its own: no branch waits for another's row lock
                outcomes.add(callers.submit(() -> coordinator.begin().branch("bank-a", move(account, -1))
                        .branch("bank-b", move(account, 1)).timeout(Duration.ofSeconds(20)).commit()));
            }
            for (Future<Outcome> outcome : outcomes) {
                assertThat(outcome.get().isCommitted()).isTrue();
            }
        } finally {
            callers.shutdownNow();
        }
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(20));

        // a branch borrows on a host thread to prepare and again to commit: with as many kept as the
        // host has threads, no borrow finds the pool empty while fewer than four are out
        assertThat(openedA.get()).isBetween(1, 4);
        // keeping none, every prepare and every commit opens its own
        assertThat(openedB.get()).isGreaterThanOrEqualTo(2 * Bank.ACCOUNTS);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    @Test
    void aNegativeMaxIdleIsRefusedWithItsValue() {
        assertThatThrownBy(() -> new XaParticipant(Bank.dataSource(BANK.port(), "bank_a"), Bank::transfer, -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxIdle must not be negative: -1");
    }

    /** {@code dataSource}, counting the physical connections it opens in {@code opened}. */
    private static XADataSource counting(XADataSource dataSource, AtomicInteger opened) {
        return (XADataSource) Proxy.newProxyInstance(XADataSource.class.getClassLoader(), new Class<?>[] {XADataSource.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("getXAConnection")) {
                        opened.incrementAndGet();
                    }
                    try {
                        return method.invoke(dataSource, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void aHostThatCrashedBetweenPrepareAndVoteVotesYesFromTheDatabaseAfterRestart() throws Exception {
        CuratorFramework doomed = TxnTesting.client(zk.connectString());
        AtomicReference<String> crashed = new AtomicReference<>();
        host(doomed, (step, txnId) -> {
            if (step == Step.PREPARED && crashed.compareAndSet(null, txnId)) {
                doomed.close();
                throw new IllegalStateException("simulated crash after prepare");
            }
        });
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        CompletableFuture<Outcome> future = coordinator.begin().branch("bank-a", move(3, -10))
                .branch("bank-b", move(4, 10)).timeout(Duration.ofSeconds(20)).commitAsync();
        Timing.await("the host crashed after preparing").until(() -> crashed.get() != null);
        assertThat(Bank.prepared(BANK.port())).isNotEmpty();

        host(TxnTesting.client(zk), StepListener.NONE);
        Outcome outcome = future.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        Timing.await("no prepared transaction is left").until(() -> Bank.prepared(BANK.port()).isEmpty());

        assertThat(outcome.isCommitted()).isTrue();
        assertThat(Bank.transfers(BANK.port(), "bank_a")).containsExactly(outcome.txnId());
        assertThat(Bank.transfers(BANK.port(), "bank_b")).containsExactly(outcome.txnId());
        assertThat(Bank.balance(BANK.port(), "bank_a", 3)).isEqualTo(990);
    }

    @Test
    void aPreparedBranchWhoseTransactionIsGoneIsRolledBackOnStart() throws Exception {
        String txnId = TxnNames.newTxnId(System.currentTimeMillis());
        XAConnection connection = Bank.dataSource(BANK.port(), "bank_a").getXAConnection();
        try {
            Branch branch = new Branch(txnId, "bank-a", TxnNames.newAttempt(), move(5, -100), java.time.Instant.now());
            Xid xid = XaParticipant.xid(branch);
            XAResource resource = connection.getXAResource();
            var sql = connection.getConnection();
            resource.start(xid, XAResource.TMNOFLAGS);
            Bank.transfer(sql, branch);
            resource.end(xid, XAResource.TMSUCCESS);
            resource.prepare(xid);
        } finally {
            connection.close();
        }
        assertThat(Bank.prepared(BANK.port())).hasSize(1);

        host(curator, StepListener.NONE);

        Timing.await("the orphan is rolled back").until(() -> Bank.prepared(BANK.port()).isEmpty());
        assertThat(Bank.balance(BANK.port(), "bank_a", 5)).isEqualTo(1000);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).isEmpty();
    }

    @Test
    void emptyRollbackOnPostgresAbortingABranchThatNeverPreparedDoesNothing() throws Exception {
        XaParticipant xa = participant("bank_a");
        Branch never = new Branch(TxnNames.newTxnId(System.currentTimeMillis()), "bank-a", TxnNames.newAttempt(),
                move(1, -10), java.time.Instant.now());
        xa.abort(never);
        xa.abort(never);
        Branch prepared = new Branch(TxnNames.newTxnId(System.currentTimeMillis()), "bank-a", TxnNames.newAttempt(),
                move(1, -10), java.time.Instant.now());
        assertThat(xa.prepare(prepared).isYes()).isTrue();
        assertThat(xa.inDoubt("bank-a")).containsExactly(prepared.id());
        xa.abort(prepared);
        xa.abort(prepared);

        assertThat(Bank.prepared(BANK.port())).isEmpty();
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(1000);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).isEmpty();
    }

    @Test
    void emptyRollbackAndSuspensionOnPostgresABranchWhoseHostWasDownAtTheAbortIsNeverPrepared() throws Exception {
        java.util.concurrent.atomic.AtomicInteger work = new java.util.concurrent.atomic.AtomicInteger();
        XaWork counted = (connection, branch) -> {
            work.incrementAndGet();
            return Bank.transfer(connection, branch);
        };
        TxnTesting.registerGhost(curator, "bank-a");
        zk.closeAfter(ParticipantHost.builder(curator).participant("bank-b", participant("bank_b")).start());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        Outcome outcome = coordinator.begin().branch("bank-a", move(1, -50)).branch("bank-b", move(2, 50))
                .timeout(Duration.ofMillis(700)).commit();
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);

        // The ghost still looks live: if it owns the branch, this instance takes it over at the
        // deadline plus its grace period (a live but stuck instance must not hold it up).
        zk.closeAfter(ParticipantHost.builder(curator).participant("bank-a",
                zk.closeAfter(new XaParticipant(Bank.dataSource(BANK.port(), "bank_a"), counted)))
                .abortGrace(Duration.ofMillis(500)).start());
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(work.get()).as("the late prepare request never reached the database").isZero();
        assertThat(Bank.prepared(BANK.port())).isEmpty();
        assertThat(Bank.total(BANK.port())).isEqualTo(2 * Bank.ACCOUNTS * Bank.OPENING_BALANCE);
        assertThat(Bank.transfers(BANK.port(), "bank_b")).isEmpty();
    }

    @Test
    void suspensionOnPostgresAPrepareThatCompletesAfterTheAbortIsRolledBack() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        XaWork slow = (connection, branch) -> {
            Vote vote = Bank.transfer(connection, branch);
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return vote;
        };
        zk.closeAfter(ParticipantHost.builder(curator).participant("bank-a",
                        zk.closeAfter(new XaParticipant(Bank.dataSource(BANK.port(), "bank_a"), slow)))
                .participant("bank-b", participant("bank_b")).start());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        Outcome outcome = coordinator.begin().branch("bank-a", move(1, -50)).branch("bank-b", move(2, 50))
                .timeout(Duration.ofMillis(700)).commit();
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        release.countDown();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(15));

        Timing.await("no prepared transaction is left").until(() -> Bank.prepared(BANK.port()).isEmpty());
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(1000);
        assertThat(Bank.total(BANK.port())).isEqualTo(2 * Bank.ACCOUNTS * Bank.OPENING_BALANCE);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).isEmpty();
        assertThat(Bank.transfers(BANK.port(), "bank_b")).isEmpty();
    }
    private Branch newBranch(int account, long delta) {
        return new Branch(TxnNames.newTxnId(System.currentTimeMillis()), "bank-a", TxnNames.newAttempt(),
                move(account, delta), java.time.Instant.now());
    }

    private void byHand(String sqlCommand, Branch branch) throws Exception {
        Xid xid = XaParticipant.xid(branch);
        String gid = xid.getFormatId() + "_" + java.util.Base64.getEncoder().encodeToString(xid.getGlobalTransactionId())
                + "_" + java.util.Base64.getEncoder().encodeToString(xid.getBranchQualifier());
        try (var c = java.sql.DriverManager.getConnection(Bank.url(BANK.port(), "bank_a"));
                var s = c.createStatement()) {
            s.execute(sqlCommand + " '" + gid + "'");
        }
    }

    @Test
    void aCommitSentAgainAfterItsReplyWasLostIsDone() throws Exception {
        XaParticipant xa = participant("bank_a");
        Branch branch = newBranch(1, -10);
        assertThat(xa.prepare(branch).isYes()).isTrue();
        xa.commit(branch);
        xa.commit(branch); // the host calls again after a crash between commit and acknowledgement

        assertThat(Bank.transfers(BANK.port(), "bank_a")).containsExactly(branch.txnId());
    }

    @Test
    void aBranchRolledBackByHandIsAHeuristicRollbackNotACommit() throws Exception {
        XaParticipant xa = participant("bank_a");
        Branch branch = newBranch(1, -10);
        assertThat(xa.prepare(branch).isYes()).isTrue();
        byHand("ROLLBACK PREPARED", branch);

        assertThatThrownBy(() -> xa.commit(branch)).isInstanceOfSatisfying(HeuristicOutcomeException.class,
                e -> assertThat(e.ending()).isEqualTo(HeuristicOutcomeException.Ending.ROLLED_BACK));
    }

    @Test
    void aBranchCommittedByHandWhenTheDecisionIsAbortIsAHeuristicCommit() throws Exception {
        XaParticipant xa = participant("bank_a");
        Branch branch = newBranch(1, -10);
        assertThat(xa.prepare(branch).isYes()).isTrue();
        byHand("COMMIT PREPARED", branch);

        assertThatThrownBy(() -> xa.abort(branch)).isInstanceOfSatisfying(HeuristicOutcomeException.class,
                e -> assertThat(e.ending()).isEqualTo(HeuristicOutcomeException.Ending.COMMITTED));
    }

    @Test
    void aRecoveredBranchIsJudgedByHowPostgresSaysItEnded() throws Exception {
        XaParticipant crashed = participant("bank_a");
        Branch committedElsewhere = newBranch(1, -10);
        Branch rolledBackByHand = newBranch(2, -10);
        assertThat(crashed.prepare(committedElsewhere).isYes()).isTrue();
        assertThat(crashed.prepare(rolledBackByHand).isYes()).isTrue();
        XaParticipant restarted = participant("bank_a");
        assertThat(restarted.inDoubt("bank-a")).contains(committedElsewhere.id(), rolledBackByHand.id());
        byHand("COMMIT PREPARED", committedElsewhere);
        byHand("ROLLBACK PREPARED", rolledBackByHand);

        restarted.commit(committedElsewhere);
        assertThatThrownBy(() -> restarted.commit(rolledBackByHand)).isInstanceOfSatisfying(
                HeuristicOutcomeException.class,
                e -> assertThat(e.ending()).isEqualTo(HeuristicOutcomeException.Ending.ROLLED_BACK));
    }

    /**
     * End to end: a branch is rolled back by hand between its YES vote and the COMMIT decision.
     * The host does not take the failed commit as done: the transaction finishes with the
     * heuristic recorded in its outcome (and in the history), and the host reports it.
     */
    @Test
    void aHeuristicRollbackIsRecordedInTheOutcomeAndReported() throws Exception {
        XaParticipant xa = participant("bank_a");
        Participant rolledBackByHand = new Participant() {
            @Override
            public Vote prepare(Branch branch) throws Exception {
                return xa.prepare(branch);
            }

            @Override
            public void commit(Branch branch) throws Exception {
                byHand("ROLLBACK PREPARED", branch); // an operator, between the vote and the commit
                xa.commit(branch);
            }

            @Override
            public void abort(Branch branch) throws Exception {
                xa.abort(branch);
            }

            @Override
            public java.util.Set<BranchId> inDoubt(String participant) throws Exception {
                return xa.inDoubt(participant);
            }
        };
        ParticipantHost host = zk.closeAfter(ParticipantHost.builder(curator).participant("bank-a", rolledBackByHand)
                .participant("bank-b", participant("bank_b")).start());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));

        Outcome told = coordinator.begin().branch("bank-a", move(1, -300)).branch("bank-b", move(2, 300)).commit();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(told.isCommitted()).isTrue();
        Outcome finished = coordinator.status(told.txnId()).outcome().orElseThrow();
        assertThat(finished.heuristics()).containsOnlyKeys("bank-a");
        assertThat(finished.heuristics().get("bank-a")).startsWith("ROLLED_BACK");
        assertThat(coordinator.admin().recentOutcomes(1).get(0).heuristics()).isEqualTo(finished.heuristics());
        assertThat(host.problems()).containsKey("bank-a/" + told.txnId());
        assertThat(Bank.transfers(BANK.port(), "bank_a")).isEmpty();
        assertThat(Bank.transfers(BANK.port(), "bank_b")).containsExactly(told.txnId());
    }
}
