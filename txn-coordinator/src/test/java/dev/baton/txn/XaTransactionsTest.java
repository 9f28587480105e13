package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.ForwardingXaResource;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.xa.XaHooks;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The in-process XA path on two PostgreSQL databases: no ZooKeeper write with one resource or on a
 * rollback; refusals, deadlines, a session that ended before the decision; and recovery by another
 * instance of what a dead one left prepared. The two writes of a committed transfer are counted in
 * {@link ZooKeeperBudgetTest}, on sessions that do not expire under load.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class XaTransactionsTest {

    private static final String DECISIONS = "/baton/xa/decisions";

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    /**
     * The session of every client here but those of the tests about expiry: long enough that a
     * starved machine does not expire it mid-test and turn a commit that the test needs into a
     * rollback (a 1.5 s one did, at load average 20).
     */
    private static final Duration STEADY = Timing.scaled(Duration.ofSeconds(20));

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create()
            .property("maxSessionTimeout", STEADY.toMillis());
    private CuratorFramework inspector;

    /** A connected client on a {@link #STEADY} session, closed after the test. */
    private CuratorFramework steady() {
        return zk.closeAfter(TxnTesting.client(zk.connectString(), STEADY));
    }

    @BeforeEach
    void start() throws Exception {
        Bank.reset(BANK.port());
        inspector = steady();
    }

    private XaTransactions.Builder builder(CuratorFramework curator) {
        return XaTransactions.builder(curator)
                .resource("bank_a", Bank.dataSource(BANK.port(), "bank_a"))
                .resource("bank_b", Bank.dataSource(BANK.port(), "bank_b"))
                .recoveryGrace(Duration.ZERO);
    }

    private XaTransactions start(XaTransactions.Builder builder) {
        return zk.closeAfter(builder.start());
    }

    /** Moves {@code amount} from account 1 of bank_a to account 2 of bank_b inside {@code tx}. */
    private static void transfer(XaTransaction tx, long amount) throws SQLException {
        assertThat(Bank.apply(tx.connection("bank_a"), tx.id(), 1, -amount)).isTrue();
        assertThat(Bank.apply(tx.connection("bank_b"), tx.id(), 2, amount)).isTrue();
    }

    private void assertUntouched() throws Exception {
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    private void awaitNoDecisions() {
        Timing.await("every decision is deleted").until(() -> inspector.getChildren().forPath(DECISIONS).isEmpty());
    }

    /**
     * A session that expires while {@code start()} runs: the start goes on with the client's new
     * session (its live node is created there, so a transfer can commit), as Curator's recipes do,
     * instead of failing with "session expired".
     */
    @Test
    void aStartDuringWhichTheSessionExpiresGoesOnWithTheNewSession() throws Exception {
        CuratorFramework curator = TxnTesting.client(zk);
        XaTransactions xa = zk.closeAfter(TxnTesting.startWhileTheSessionExpires(curator,
                () -> builder(curator).start()));
        Outcome outcome;
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 10);
            outcome = tx.commit();
        }
        assertThat(outcome.isCommitted()).as(outcome.toString()).isTrue();
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 10);
    }

    @Test
    void oneResourceCommitsInOnePhaseWithoutAnyZooKeeperWrite() throws Exception {
        XaTransactions xa = start(builder(steady()));
        long before = TxnTesting.zxid(zk.port());
        Outcome outcome;
        try (XaTransaction tx = xa.begin()) {
            assertThat(Bank.apply(tx.connection("bank_a"), tx.id(), 3, -50)).isTrue();
            outcome = tx.commit();
        }
        assertThat(outcome.isCommitted()).isTrue();
        assertThat(outcome.reason()).contains("one phase");
        assertThat(Bank.balance(BANK.port(), "bank_a", 3)).isEqualTo(Bank.OPENING_BALANCE - 50);
        assertThat(TxnTesting.zxid(zk.port())).isEqualTo(before);
    }

    /**
     * The one resource of a one-phase commit loses its connection (its PostgreSQL backend is
     * terminated) before the commit: whether it committed cannot be known from here, so the caller
     * gets OutcomeUnknownException, not a guess; the broken connection is not pooled again, and
     * the next transaction commits on a new one.
     */
    @Test
    void aOnePhaseCommitWhoseResourceFailsMidWayIsUnknownNotGuessed() throws Exception {
        XaTransactions xa = start(builder(steady()));
        String txnId;
        try (XaTransaction tx = xa.begin()) {
            txnId = tx.id();
            Connection connection = tx.connection("bank_a");
            assertThat(Bank.apply(connection, txnId, 3, -50)).isTrue();
            int backend;
            try (Statement statement = connection.createStatement();
                    java.sql.ResultSet rs = statement.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                backend = rs.getInt(1);
            }
            try (Connection admin = java.sql.DriverManager.getConnection(Bank.url(BANK.port(), "bank_a"));
                    Statement statement = admin.createStatement()) {
                statement.execute("SELECT pg_terminate_backend(" + backend + ")");
            }
            assertThatThrownBy(tx::commit).isInstanceOf(OutcomeUnknownException.class)
                    .hasMessageContaining("one-phase commit on resource 'bank_a'")
                    .hasMessageContaining("may or may not have committed");
        }
        assertThat(Bank.transfers(BANK.port(), "bank_a")).as("PostgreSQL rolled back the cut-off work")
                .doesNotContain(txnId);
        try (XaTransaction tx = xa.begin()) {
            assertThat(Bank.apply(tx.connection("bank_a"), tx.id(), 3, -50)).isTrue();
            assertThat(tx.commit().isCommitted()).isTrue();
        }
        assertThat(Bank.balance(BANK.port(), "bank_a", 3)).isEqualTo(Bank.OPENING_BALANCE - 50);
    }

    /**
     * A branch that votes {@code XA_RDONLY} at prepare (the read-only optimisation: its resource
     * has finished it already) is not committed; with one prepared branch left there is nothing to
     * decide, so nothing is written to ZooKeeper, and the other branch commits.
     */
    @Test
    void aReadOnlyBranchIsNotCommittedAndLeavesNothingToDecide() throws Exception {
        XaTransactions xa = start(builder(steady()));
        XAConnection reader = Bank.dataSource(BANK.port(), "bank_b").getXAConnection();
        try {
            ReadOnlyResource readOnly = new ReadOnlyResource(reader.getXAResource());
            long before = TxnTesting.zxid(zk.port());
            Outcome outcome;
            try (XaTransaction tx = xa.begin()) {
                assertThat(Bank.apply(tx.connection("bank_a"), tx.id(), 1, -7)).isTrue();
                tx.enlist("bank_b", readOnly);
                try (Statement statement = reader.getConnection().createStatement();
                        ResultSet rs = statement.executeQuery("SELECT count(*) FROM accounts")) {
                    assertThat(rs.next()).isTrue();
                }
                outcome = tx.commit();
            }
            assertThat(outcome.isCommitted()).as(outcome.toString()).isTrue();
            assertThat(readOnly.prepares).hasValue(1);
            assertThat(readOnly.commits).as("commits of the read-only branch").hasValue(0);
            assertThat(TxnTesting.zxid(zk.port())).as("nothing written to ZooKeeper").isEqualTo(before);
            assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 7);
            assertThat(Bank.prepared(BANK.port())).isEmpty();
        } finally {
            reader.close();
        }
    }

    /**
     * PostgreSQL's XA resource, with the read-only optimisation PostgreSQL's driver does not make:
     * its prepare ends the (read-only) work and votes {@code XA_RDONLY}.
     */
    private static final class ReadOnlyResource extends ForwardingXaResource {
        final AtomicInteger prepares = new AtomicInteger();
        final AtomicInteger commits = new AtomicInteger();

        ReadOnlyResource(XAResource delegate) {
            super(delegate);
        }

        @Override
        public int prepare(Xid xid) throws XAException {
            prepares.incrementAndGet();
            delegate.rollback(xid); // nothing was written: ended like a read-only branch
            return XA_RDONLY;
        }

        @Override
        public void commit(Xid xid, boolean onePhase) throws XAException {
            commits.incrementAndGet();
            delegate.commit(xid, onePhase);
        }
    }

    /**
     * Recovery runs when an instance starts, and waits out {@code recoveryGrace} before rolling
     * back the undecided branches of an owner that is gone: an instance with a 10-minute grace
     * sees them and leaves them prepared; one started with none rolls them back at its start.
     */
    @Test
    void undecidedBranchesWaitOutTheGraceAndAnInstanceRecoversAtStart() throws Exception {
        XaTransactions patient = start(builder(steady()).recoveryGrace(Duration.ofMinutes(10)));
        CuratorFramework dying = steady();
        StepListener crash = (step, txnId) -> {
            if (step == Step.XA_PREPARED) {
                dying.close(); // the session ends: its live node goes at once
                throw new IllegalStateException("crashed at " + step);
            }
        };
        XaTransactions doomed = XaHooks.steps(builder(dying).threads(1), crash).start();
        XaTransaction tx = doomed.begin();
        transfer(tx, 100);
        assertThatThrownBy(tx::commit).hasMessageContaining("crashed at XA_PREPARED");
        doomed.close();

        Timing.await("the patient instance's recovery sees both undecided branches")
                .until(() -> XaHooks.waitingOutGrace(patient) == 2);
        assertThat(Bank.prepared(BANK.port())).as("left prepared within the grace").hasSize(2);

        start(builder(steady()).recoveryInterval(Duration.ofMinutes(10)));
        Timing.await("the new instance rolls them back at its start").until(() -> Bank.prepared(BANK.port()).isEmpty());
        assertThat(Bank.transfers(BANK.port(), "bank_a")).doesNotContain(tx.id());
        assertThat(Bank.transfers(BANK.port(), "bank_b")).doesNotContain(tx.id());
        assertThat(Bank.total(BANK.port())).isEqualTo(2 * Bank.ACCOUNTS * Bank.OPENING_BALANCE);
    }

    @Test
    void branchesTakenInTurnUnderLoadCommitAndRollBackAsInParallel() throws Exception {
        // parallelUpTo 0: every transaction counts as "under load", so its caller prepares and
        // commits the branches one after the other instead of handing them to the core's threads
        XaTransactions xa = start(XaHooks.parallelUpTo(builder(steady()), 0));
        Outcome committed;
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 100);
            committed = tx.commit();
        }
        assertThat(committed.isCommitted()).as(committed.toString()).isTrue();
        assertThat(committed.participants()).containsExactly("bank_a", "bank_b");
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 100);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 100);
        try (Connection c = java.sql.DriverManager.getConnection(Bank.url(BANK.port(), "bank_b"));
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS guard");
            s.execute("CREATE TABLE guard (id int, CONSTRAINT once UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)");
        }
        Outcome refused;
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 7);
            try (Statement s = tx.connection("bank_b").createStatement()) {
                s.execute("INSERT INTO guard VALUES (1), (1)"); // violates the constraint only at prepare
            }
            refused = tx.commit();
        }
        assertThat(refused.reason()).contains("bank_b").contains("prepare");
        assertThat(refused.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 100);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 100);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
        awaitNoDecisions();
    }

    @Test
    void aBranchThatFailsToPrepareRollsEverythingBackAndNothingIsWritten() throws Exception {
        try (Connection c = java.sql.DriverManager.getConnection(Bank.url(BANK.port(), "bank_b"));
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS guard");
            s.execute("CREATE TABLE guard (id int, CONSTRAINT once UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)");
        }
        XaTransactions xa = start(builder(steady()));
        long before = TxnTesting.zxid(zk.port());
        Outcome outcome;
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 100);
            try (Statement s = tx.connection("bank_b").createStatement()) {
                s.execute("INSERT INTO guard VALUES (1), (1)"); // violates the constraint only at prepare
            }
            outcome = tx.commit();
        }
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("bank_b").contains("prepare");
        assertThat(outcome.votes().get("bank_b").isYes()).isFalse();
        assertUntouched();
        assertThat(TxnTesting.zxid(zk.port())).isEqualTo(before);
    }

    @Test
    void rollbackCloseRollbackOnlyAndAPassedDeadlineUndoEverythingAndWriteNothing() throws Exception {
        AtomicLong now = new AtomicLong(System.currentTimeMillis());
        Clock clock = new Clock() {
            @Override
            public ZoneOffset getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(now.get());
            }
        };
        XaTransactions xa = start(builder(steady()).clock(clock));
        long before = TxnTesting.zxid(zk.port());

        XaTransaction rolledBack = xa.begin();
        transfer(rolledBack, 10);
        rolledBack.rollback();
        assertThat(rolledBack.state()).isEqualTo(TransactionState.ABORTED);
        assertThatThrownBy(rolledBack::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("ABORTED");

        try (XaTransaction closed = xa.begin()) {
            transfer(closed, 10);
        }

        XaTransaction marked = xa.begin();
        transfer(marked, 10);
        marked.setRollbackOnly("the application changed its mind");
        Outcome markedOutcome = marked.commit();
        assertThat(markedOutcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(markedOutcome.reason()).isEqualTo("the application changed its mind");

        XaTransaction late = xa.begin(Duration.ofSeconds(5));
        transfer(late, 10);
        now.addAndGet(6_000);
        Outcome lateOutcome = late.commit();
        assertThat(lateOutcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(lateOutcome.reason()).contains("timed out");

        assertUntouched();
        assertThat(TxnTesting.zxid(zk.port())).isEqualTo(before);
    }

    @Test
    void badNamesAndMisuseAreRefusedWithTheProblemNamed() throws Exception {
        assertThatThrownBy(() -> XaTransactions.builder(steady()).resource("a/b",
                Bank.dataSource(BANK.port(), "bank_a"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("resource name 'a/b'");
        assertThatThrownBy(() -> builder(steady()).resource("bank_a", Bank.dataSource(BANK.port(),
                "bank_a"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already registered");
        assertThatThrownBy(() -> XaTransactions.builder(steady()).start())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one resource");
        assertThatThrownBy(() -> builder(steady()).maxConnections(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 0 connections");
        assertThatThrownBy(() -> builder(steady()).maxConnections(2, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> builder(steady().usingNamespace("app")).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace 'app'");
        assertThat(inspector.checkExists().forPath("/baton/xa/live")).as("nothing written").isNull();
        XaTransactions xa = start(builder(steady()));
        assertThatThrownBy(() -> xa.begin(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
        try (XaTransaction tx = xa.begin()) {
            assertThatThrownBy(() -> tx.connection("bank_c")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("no XA resource 'bank_c'").hasMessageContaining("[bank_a, bank_b]");
            Connection first = tx.connection("bank_a");
            assertThat(tx.connection("bank_a")).isSameAs(first);
            assertThatThrownBy(() -> tx.delist("bank_b", XAResource.TMSUCCESS))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("no active branch");
        }
        assertUntouched();
    }

    /**
     * What an operator sees in {@code pg_prepared_xacts} while a transfer is prepared: format id
     * "BTN2", global id {@code <txnId>/<owner>} (the instance's live node) and the resource's name
     * as branch qualifier, as the PostgreSQL driver writes them (format id, then each id in Base64).
     */
    @Test
    void aPreparedBranchShowsItsTransactionOwnerAndResourceInPgPreparedXacts() throws Exception {
        List<Set<String>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        StepListener look = (step, txnId) -> {
            if (step == Step.XA_PREPARED) {
                try {
                    seen.add(Bank.prepared(BANK.port()));
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        XaTransactions xa = start(XaHooks.steps(builder(steady()), look));
        String txnId;
        try (XaTransaction tx = xa.begin()) {
            txnId = tx.id();
            transfer(tx, 3);
            assertThat(tx.commit().isCommitted()).isTrue();
        }
        String global = Base64.getEncoder().encodeToString((txnId + "/" + XaHooks.owner(xa))
                .getBytes(StandardCharsets.UTF_8));
        String format = String.valueOf(ByteBuffer.wrap("BTN2".getBytes(StandardCharsets.US_ASCII))
                .getInt());
        assertThat(seen).containsExactly(Set.of(format + "_" + global + "_" + base64("bank_a"),
                format + "_" + global + "_" + base64("bank_b")));
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    private static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aSessionThatEndedBeforeTheDecisionCanNeverCommitSoEverythingRollsBack() throws Exception {
        TcpProxy proxy = zk.closeAfter(TcpProxy.start(new InetSocketAddress("127.0.0.1", zk.port())));
        CuratorFramework victim = zk.closeAfter(TxnTesting.client("127.0.0.1:" + proxy.port()));
        XaTransactions xa = start(builder(victim));
        long session = victim.getZookeeperClient().getZooKeeper().getSessionId();
        XaTransaction tx = xa.begin();
        transfer(tx, 100);

        proxy.blackhole();
        Timing.await("the session expired on the server").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .until(() -> !TxnTesting.sessions(zk.port()).contains(session));
        proxy.cut();
        proxy.restore();

        Outcome outcome = tx.commit();
        assertThat(outcome.state()).as(outcome.toString()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("session ended before the decision");
        assertUntouched();
        assertThat(inspector.getChildren().forPath(DECISIONS)).isEmpty();

        // The new session's transactions commit.
        Timing.await("a new live node").until(() -> inspector.getChildren().forPath("/baton/xa/live").size() == 1);
        try (XaTransaction next = xa.begin()) {
            transfer(next, 7);
            assertThat(next.commit().isCommitted()).isTrue();
        }
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 7);
    }

    /**
     * A coordinator stops after committing bank_a's branch (branches one at a time, frozen in the
     * step after the first) and its session ends, as when its process dies there: bank_b's branch
     * stays prepared under a COMMIT decision whose owner is gone. An instance that has only bank_a
     * registered cannot tell whether bank_b's branch is still prepared, so it keeps the decision,
     * scan after scan; deleting it would leave that branch to be rolled back, a split outcome. An
     * instance with both resources commits bank_b's branch and deletes the decision.
     */
    @Test
    void onlyAnInstanceWithEveryResourceOfADecisionDeletesIt() throws Exception {
        CountDownLatch frozen = new CountDownLatch(1);
        CountDownLatch thaw = new CountDownLatch(1);
        StepListener freeze = (step, txnId) -> {
            if (step == Step.XA_COMMITTING && frozen.getCount() > 0) {
                frozen.countDown();
                try {
                    thaw.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        CuratorFramework dying = TxnTesting.client(zk.connectString(), STEADY);
        XaTransactions coordinator = start(XaHooks.steps(XaHooks.parallelUpTo(builder(dying), 0), freeze));
        XaTransaction tx = coordinator.begin();
        transfer(tx, 5);
        CompletableFuture<Outcome> commit = CompletableFuture.supplyAsync(tx::commit);
        try {
            assertThat(frozen.await(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS)).isTrue();
            dying.close(); // the session ends with the process: its live node is gone
            assertThat(Bank.prepared(BANK.port())).as("bank_b's branch").hasSize(1);

            start(XaTransactions.builder(steady()).resource("bank_a", Bank.dataSource(BANK.port(), "bank_a"))
                    .recoveryGrace(Duration.ZERO).recoveryInterval(Duration.ofMillis(200)));
            Timing.await("scan after scan, the instance with bank_a alone keeps the decision")
                    .during(Timing.scaled(Duration.ofSeconds(1))).atMost(Timing.scaled(Duration.ofSeconds(10)))
                    .until(() -> inspector.getChildren().forPath(DECISIONS).contains(tx.id())
                            && Bank.prepared(BANK.port()).size() == 1);

            start(builder(steady()).recoveryInterval(Duration.ofMillis(200)));
            Timing.await("an instance with both resources commits bank_b's branch and deletes the decision")
                    .atMost(Timing.scaled(Duration.ofSeconds(30)))
                    .until(() -> Bank.prepared(BANK.port()).isEmpty()
                            && !inspector.getChildren().forPath(DECISIONS).contains(tx.id()));
            assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 5);
            assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 5);
        } finally {
            thaw.countDown();
        }
        commit.handle((outcome, error) -> null).get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
    }

    /**
     * Every write of the in-process path sent twice, as after a reply lost on a connection that
     * is then replaced (the resend hook): the decision's second {@code multi} fails with
     * NodeExists and is taken for its own COMMIT, the janitor's second deletion finds its nodes
     * gone. Transfers commit, one at a time and several at once, and every decision is collected.
     */
    @Test
    void everyWriteSentTwiceStillCommitsAndCollectsTheDecisions() throws Exception {
        XaTransactions xa = start(XaHooks.resend(builder(steady()), path -> true));
        for (int i = 0; i < 3; i++) {
            try (XaTransaction tx = xa.begin()) {
                transfer(tx, 1);
                assertThat(tx.commit().isCommitted()).isTrue();
            }
        }
        List<CompletableFuture<Outcome>> concurrent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            concurrent.add(CompletableFuture.supplyAsync(() -> {
                try (XaTransaction tx = xa.begin()) {
                    transfer(tx, 1);
                    return tx.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<Outcome> outcome : concurrent) {
            assertThat(outcome.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS).isCommitted()).isTrue();
        }
        awaitNoDecisions();
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 7);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 7);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    /**
     * The decision is sent into a partition (the proxy holds every byte back) and ZooKeeper cannot
     * be read until the coordinator gives up: the caller gets OutcomeUnknownException, not a guess.
     * The write never reached the server, whose session for it ended; once the partition heals,
     * another instance rolls the branches back, and the money is where it was.
     */
    @Test
    void aDecisionWhoseReplyIsLostWhileZooKeeperCannotBeReadIsUnknownAndRecoveryFinishesIt() throws Exception {
        XaTransactions survivor = start(builder(steady()).recoveryInterval(Duration.ofSeconds(1)));
        TcpProxy proxy = zk.closeAfter(TcpProxy.start(new InetSocketAddress("127.0.0.1", zk.port())));
        CuratorFramework victim = zk.closeAfter(org.apache.curator.framework.CuratorFrameworkFactory.builder()
                .connectString("127.0.0.1:" + proxy.port())
                .sessionTimeoutMs((int) ZooKeeperServerExtension.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) Timing.scaledMillis(500))
                .retryPolicy(new org.apache.curator.retry.RetryOneTime(100)).build());
        victim.start();
        assertThat(victim.blockUntilConnected((int) Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isTrue();
        StepListener partition = (step, txnId) -> {
            if (step == Step.XA_PREPARED) {
                proxy.blackhole();
            }
        };
        XaTransactions xa = start(XaHooks.steps(builder(victim), partition));
        XaTransaction tx = xa.begin();
        transfer(tx, 100);
        assertThatThrownBy(tx::commit).isInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("ZooKeeper could not be read in time");
        proxy.cut();
        proxy.restore();

        Timing.await("recovery rolls back the branches of the gone session").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> Bank.prepared(BANK.port()).isEmpty());
        assertThat(XaHooks.owner(survivor)).isNotNull();
        assertUntouched();
        assertThat(inspector.getChildren().forPath(DECISIONS)).isEmpty();
    }

    /**
     * After a session expires, the new-session listener and recovery's check for a missing live
     * node both ask for one, and each used to create its own, so the session held two (CI found
     * it as a timed-out wait for "a new live node"). Here both ask while the listener's create is
     * on the server and its reply is held on the new handle's event thread, so recovery's ask
     * always comes while the first is in flight: the session gets one node, and transfers commit.
     */
    @Test
    void aNewSessionGetsOneLiveNodeWhenRecoveryAsksWhileTheListenersCreateIsInFlight() throws Exception {
        CuratorFramework curator = TxnTesting.client(zk);
        long expired = curator.getZookeeperClient().getZooKeeper().getSessionId();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<ZooKeeper> held = new CompletableFuture<>();
        curator.getCuratorListenable().addListener((client, event) -> {
            if (event.getType() == CuratorEventType.WATCHED
                    && event.getWatchedEvent().getState() == Watcher.Event.KeeperState.SyncConnected) {
                ZooKeeper handle = client.getZookeeperClient().getZooKeeper();
                if (handle.getSessionId() != expired && held.complete(handle)) {
                    release.await(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS); // the new handle's event thread
                }
            }
        });
        XaTransactions xa = start(builder(curator).recoveryInterval(Duration.ofMinutes(10)));
        try {
            curator.getZookeeperClient().getZooKeeper().getTestable().injectSessionExpiration();
            ZooKeeper handle = held.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
            long session = handle.getSessionId();
            Timing.await("the new-session listener's create reached the server")
                    .until(() -> liveNodesOf(session) >= 1);

            XaHooks.ensureOwner(xa); // as recovery's scan does, finding no live node of this session
            handle.exists("/", false); // a synchronous call: answered after every request sent before it
            assertThat(liveNodesOf(session)).as("live nodes of the new session").isEqualTo(1);
        } finally {
            release.countDown();
        }
        Timing.await("the registration's reply names this session's node").until(() -> XaHooks.owner(xa) != null);
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 5);
            assertThat(tx.commit().isCommitted()).isTrue();
        }
        assertThat(liveNodesOf(curator.getZookeeperClient().getZooKeeper().getSessionId())).isEqualTo(1);
    }

    /** How many XA live nodes {@code session} owns. */
    private int liveNodesOf(long session) throws Exception {
        int count = 0;
        for (String name : inspector.getChildren().forPath("/baton/xa/live")) {
            Stat stat = inspector.checkExists().forPath("/baton/xa/live/" + name);
            if (stat != null && stat.getEphemeralOwner() == session) {
                count++;
            }
        }
        return count;
    }

    @Test
    void anotherInstanceCommitsWhatADeadOneDecidedAndRollsBackWhatItDidNot() throws Exception {
        start(builder(steady()).recoveryInterval(Duration.ofMinutes(10)));
        for (Step crashAt : new Step[] {Step.XA_PREPARED, Step.XA_DECIDED, Step.XA_COMMITTING}) {
            CuratorFramework dying = steady();
            StepListener crash = (step, txnId) -> {
                if (step == crashAt) {
                    dying.close(); // the session ends: its live node goes at once
                    throw new IllegalStateException("crashed at " + step);
                }
            };
            XaTransactions doomed = XaHooks.steps(builder(dying).threads(1), crash).start();
            XaTransaction tx = doomed.begin();
            transfer(tx, 100);
            assertThatThrownBy(tx::commit).hasMessageContaining("crashed at " + crashAt);
            doomed.close();

            boolean decided = crashAt != Step.XA_PREPARED;
            Timing.await("the survivor finishes the branches of " + crashAt)
                    .until(() -> Bank.prepared(BANK.port()).isEmpty());
            awaitNoDecisions();
            long moved = Bank.balance(BANK.port(), "bank_a", 1) - Bank.OPENING_BALANCE;
            assertThat(Bank.transfers(BANK.port(), "bank_a").contains(tx.id())).as("%s committed in a", crashAt)
                    .isEqualTo(decided);
            assertThat(Bank.transfers(BANK.port(), "bank_b").contains(tx.id())).as("%s committed in b", crashAt)
                    .isEqualTo(decided);
            System.out.println("XA-RECOVERY " + crashAt + " decided=" + decided + " moved=" + moved);
        }
        assertThat(Bank.total(BANK.port())).isEqualTo(2 * Bank.ACCOUNTS * Bank.OPENING_BALANCE);
    }

    /**
     * The listener hears each commit with its latency and each ending once, with its cause; one
     * that throws from every method changes nothing.
     */
    @Test
    void theListenerHearsCommitsAndEndingsAndOneThatThrowsChangesNothing() throws Exception {
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        TxnListener recording = new TxnListener() {
            @Override
            public void commitEnded(Path path, Outcome outcome, TransactionException failure, Duration latency) {
                heard.add("commit " + path + " " + outcome.state() + " " + !latency.isNegative());
            }

            @Override
            public void finished(Path path, Outcome outcome) {
                heard.add("finished " + path + " " + outcome.cause());
            }
        };
        XaTransactions xa = start(builder(steady()).listener(recording));
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 10);
            tx.commit();
        }
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 10);
            tx.rollback();
        }
        try (XaTransaction tx = xa.begin()) {
            transfer(tx, 10);
            tx.setRollbackOnly("on purpose");
            tx.commit();
        }
        assertThat(heard).containsExactly("commit IN_PROCESS COMMITTED true", "finished IN_PROCESS ALL_PREPARED",
                "finished IN_PROCESS ROLLED_BACK", "commit IN_PROCESS ABORTED true", "finished IN_PROCESS ROLLED_BACK");

        TxnListener throwing = new TxnListener() {
            @Override
            public void commitEnded(Path path, Outcome outcome, TransactionException failure, Duration latency) {
                throw new IllegalStateException("a broken listener");
            }

            @Override
            public void finished(Path path, Outcome outcome) {
                throw new IllegalStateException("a broken listener");
            }
        };
        XaTransactions broken = start(builder(steady()).listener(throwing));
        Outcome outcome;
        try (XaTransaction tx = broken.begin()) {
            transfer(tx, 10);
            outcome = tx.commit();
        }
        assertThat(outcome.isCommitted()).isTrue();
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 20);
    }
}
