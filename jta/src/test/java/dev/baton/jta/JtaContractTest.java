package dev.baton.jta;

import static dev.baton.jta.JtaTesting.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.jta.JtaTesting.ManualClock;
import dev.baton.jta.JtaTesting.Recorder;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import javax.sql.DataSource;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The JTA contract of {@link BatonJta} on two PostgreSQL databases and a ZooKeeper server: begin,
 * commit and rollback with the status at every step, rollback-only, timeouts, suspend and resume
 * on another thread, synchronizations in order, what is refused and how, and the DataSource inside
 * and outside transactions.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JtaContractTest {

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = JtaTesting.zooKeeper();

    private final ExecutorService otherThread = Executors.newSingleThreadExecutor();

    @BeforeEach
    void reset() throws Exception {
        Bank.reset(BANK.port());
    }

    @AfterEach
    void stopThreads() {
        otherThread.shutdownNow();
    }

    private BatonJta start() throws Exception {
        return start(builder -> { });
    }

    private BatonJta start(Consumer<BatonJta.Builder> settings) throws Exception {
        BatonJta.Builder builder = JtaTesting.bank(JtaTesting.client(ZK), BANK.port());
        settings.accept(builder);
        return ZK.closeAfter(builder.start());
    }

    /** Moves {@code amount} from account 1 of bank_a to account 2 of bank_b in the thread's transaction. */
    private static void transfer(BatonJta jta, long amount) throws SQLException {
        String id = (String) jta.synchronizationRegistry().getTransactionKey();
        try (Connection a = jta.dataSource("bank_a").getConnection()) {
            assertThat(Bank.apply(a, id, 1, -amount)).isTrue();
        }
        try (Connection b = jta.dataSource("bank_b").getConnection()) {
            assertThat(Bank.apply(b, id, 2, amount)).isTrue();
        }
    }

    private static void assertUntouched() throws SQLException {
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    private static void assertMoved(long amount, String txnId) throws SQLException {
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - amount);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + amount);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).contains(txnId);
        assertThat(Bank.transfers(BANK.port(), "bank_b")).contains(txnId);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    @Test
    void beginCommitAndRollbackReportTheStatusAtEveryStep() throws Exception {
        BatonJta jta = start();
        UserTransaction ut = jta.userTransaction();
        TransactionManager tm = jta.transactionManager();
        assertThat(ut).isSameAs(tm).isSameAs(jta.synchronizationRegistry());
        assertThat(status(ut.getStatus())).isEqualTo("NO_TRANSACTION");
        assertThat(tm.getTransaction()).isNull();

        ut.begin();
        Transaction tx = tm.getTransaction();
        String id = (String) jta.synchronizationRegistry().getTransactionKey();
        assertThat(status(ut.getStatus())).isEqualTo("ACTIVE");
        assertThat(status(tx.getStatus())).isEqualTo("ACTIVE");
        assertThat(id).startsWith("tx-");
        transfer(jta, 100);
        List<String> events = Recorder.events();
        tx.registerSynchronization(new Recorder("sync", tm, events));
        ut.commit();
        assertThat(events).containsExactly("sync before ACTIVE", "sync after COMMITTED (thread: COMMITTED)");
        assertThat(status(ut.getStatus())).as("the thread is free again").isEqualTo("NO_TRANSACTION");
        assertThat(status(tx.getStatus())).isEqualTo("COMMITTED");
        assertThat(jta.synchronizationRegistry().getTransactionKey()).isNull();
        assertMoved(100, id);

        ut.begin();
        transfer(jta, 50);
        Transaction rolledBack = tm.getTransaction();
        List<String> rollbackEvents = Recorder.events();
        rolledBack.registerSynchronization(new Recorder("sync", tm, rollbackEvents));
        ut.rollback();
        assertThat(rollbackEvents).as("no beforeCompletion on rollback")
                .containsExactly("sync after ROLLEDBACK (thread: ROLLEDBACK)");
        assertThat(status(rolledBack.getStatus())).isEqualTo("ROLLEDBACK");
        assertThat(status(ut.getStatus())).isEqualTo("NO_TRANSACTION");
        assertThatThrownBy(rolledBack::commit).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot be committed").hasMessageContaining("ROLLED_BACK");
        assertMoved(100, id);
    }

    @Test
    void theResourcesSeePreparingThenTheOutcomeAndRollingBackOnARollback() throws Exception {
        SameServerXaDataSource bankB = new SameServerXaDataSource(BANK.port(), "bank_b");
        BatonJta jta = start(builder -> builder.dataSource("bank_b2", bankB));
        TransactionManager tm = jta.transactionManager();
        List<String> seen = Recorder.events();
        for (boolean commit : new boolean[] {true, false}) {
            tm.begin();
            Transaction tx = tm.getTransaction();
            bankB.hook((step, xid) -> seen.add(step + " " + status(statusOf(tx))));
            String id = (String) jta.synchronizationRegistry().getTransactionKey();
            XAConnection foreign = bankB.getXAConnection();
            try {
                try (Connection a = jta.dataSource("bank_a").getConnection()) {
                    Bank.apply(a, id, 1, -10);
                }
                assertThat(tx.enlistResource(foreign.getXAResource())).isTrue();
                try (Connection b = foreign.getConnection()) {
                    Bank.apply(b, id, 2, 10);
                }
                if (commit) {
                    tm.commit();
                } else {
                    tm.rollback();
                }
            } finally {
                foreign.close();
            }
        }
        assertThat(seen).containsExactly("prepare PREPARING", "commit PREPARING", "rollback ROLLING_BACK");
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 10);
        assertThat(Bank.total(BANK.port())).isEqualTo(Bank.TOTAL);
    }

    private static int statusOf(Transaction tx) {
        try {
            return tx.getStatus();
        } catch (SystemException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void rollbackOnlyRollsBackOnCommitWithTheReasonAndRefusesNewWork() throws Exception {
        BatonJta jta = start();
        TransactionManager tm = jta.transactionManager();
        TransactionSynchronizationRegistry registry = jta.synchronizationRegistry();
        tm.begin();
        Transaction tx = tm.getTransaction();
        transfer(jta, 100);
        List<String> events = Recorder.events();
        tx.registerSynchronization(new Recorder("sync", tm, events));
        assertThat(registry.getRollbackOnly()).isFalse();
        tm.setRollbackOnly();
        assertThat(status(tm.getStatus())).isEqualTo("MARKED_ROLLBACK");
        assertThat(registry.getRollbackOnly()).isTrue();
        assertThatThrownBy(() -> jta.dataSource("bank_a").getConnection()).isInstanceOf(SQLException.class)
                .hasMessageContaining("marked rollback-only");
        assertThatThrownBy(() -> tx.registerSynchronization(new Recorder("late", tm, events)))
                .isInstanceOf(RollbackException.class);
        registry.registerInterposedSynchronization(new Recorder("interposed", tm, events));

        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class)
                .hasMessageContaining("rolled back: setRollbackOnly() was called")
                .hasRootCauseMessage("setRollbackOnly() was called here, on thread " + Thread.currentThread().getName());
        assertThat(events).as("no beforeCompletion for a transaction that can only roll back")
                .containsExactly("interposed after ROLLEDBACK (thread: ROLLEDBACK)",
                        "sync after ROLLEDBACK (thread: ROLLEDBACK)");
        assertThat(status(tm.getStatus())).isEqualTo("NO_TRANSACTION");
        assertUntouched();
    }

    @Test
    void aTransactionPastItsTimeoutIsMarkedRollbackOnlyAndItsCommitRollsBack() throws Exception {
        ManualClock clock = new ManualClock();
        BatonJta jta = start(builder -> builder.clock(clock));
        TransactionManager tm = jta.transactionManager();
        assertThatThrownBy(() -> tm.setTransactionTimeout(-1)).isInstanceOf(SystemException.class)
                .hasMessageContaining("must not be negative");

        tm.setTransactionTimeout(5);
        tm.begin();
        transfer(jta, 100);
        clock.advance(Duration.ofSeconds(4));
        assertThat(status(tm.getStatus())).isEqualTo("ACTIVE");
        clock.advance(Duration.ofSeconds(2));
        assertThat(status(tm.getStatus())).isEqualTo("MARKED_ROLLBACK");
        assertThatThrownBy(() -> jta.dataSource("bank_b").getConnection()).isInstanceOf(SQLException.class)
                .hasMessageContaining("timed out");
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class).hasMessageContaining("timed out");
        assertUntouched();

        // The timeout holds for the thread's next transactions, until set back to the default (30 s).
        tm.begin();
        clock.advance(Duration.ofSeconds(6));
        assertThat(status(tm.getStatus())).isEqualTo("MARKED_ROLLBACK");
        tm.rollback();
        tm.setTransactionTimeout(0);
        tm.begin();
        clock.advance(Duration.ofSeconds(6));
        assertThat(status(tm.getStatus())).isEqualTo("ACTIVE");
        String id = (String) jta.synchronizationRegistry().getTransactionKey();
        transfer(jta, 7);
        tm.commit();
        assertMoved(7, id);
    }

    @Test
    void aSuspendedTransactionIsResumedAndCommittedOnAnotherThread() throws Exception {
        BatonJta jta = start();
        TransactionManager tm = jta.transactionManager();
        tm.begin();
        String id = (String) jta.synchronizationRegistry().getTransactionKey();
        try (Connection a = jta.dataSource("bank_a").getConnection()) {
            assertThat(Bank.apply(a, id, 1, -30)).isTrue();
        }
        Transaction suspended = tm.suspend();
        assertThat(status(tm.getStatus())).isEqualTo("NO_TRANSACTION");
        assertThat(status(suspended.getStatus())).isEqualTo("ACTIVE");
        try (Connection plain = jta.dataSource("bank_a").getConnection()) {
            assertThat(plain.getAutoCommit()).as("outside the transaction: a plain connection").isTrue();
        }

        otherThread.submit(() -> {
            tm.resume(suspended);
            assertThat((Object) jta.synchronizationRegistry().getTransactionKey()).isEqualTo(id);
            try (Connection b = jta.dataSource("bank_b").getConnection()) {
                assertThat(Bank.apply(b, id, 2, 30)).isTrue();
            }
            return null;
        }).get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);

        assertThatThrownBy(() -> tm.resume(suspended)).as("another thread has it")
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("suspend it there first");
        otherThread.submit(() -> {
            assertThat(tm.suspend()).isSameAs(suspended);
            return null;
        }).get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
        tm.resume(suspended);
        tm.commit();
        assertMoved(30, id);
        assertThatThrownBy(() -> tm.resume(suspended)).isInstanceOf(InvalidTransactionException.class)
                .hasMessageContaining("COMMITTED");
        assertThatThrownBy(() -> tm.resume(null)).isInstanceOf(InvalidTransactionException.class);
    }

    @Test
    void synchronizationsRunInJtaOrderAndOneThatThrowsRollsBackWithItsCause() throws Exception {
        BatonJta jta = start();
        TransactionManager tm = jta.transactionManager();
        TransactionSynchronizationRegistry registry = jta.synchronizationRegistry();
        tm.begin();
        Transaction tx = tm.getTransaction();
        List<String> events = Recorder.events();
        tx.registerSynchronization(new Recorder("r1", tm, events));
        registry.registerInterposedSynchronization(new Recorder("i1", tm, events));
        tx.registerSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                events.add("r2 before " + status(registry.getTransactionStatus()));
                try {
                    tx.registerSynchronization(new Recorder("late", tm, events)); // while completing: still called
                    transfer(jta, 20); // work in beforeCompletion is part of the transaction
                } catch (RollbackException | SystemException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            public void afterCompletion(int status) {
                events.add("r2 after " + status(status));
                throw new IllegalStateException("ignored: the outcome stands");
            }
        });
        registry.registerInterposedSynchronization(new Recorder("i2", tm, events));
        registry.putResource("key", "value");
        String id = (String) registry.getTransactionKey();
        tm.commit();
        assertThat(events).containsExactly("r1 before ACTIVE", "r2 before ACTIVE", "late before ACTIVE",
                "i1 before ACTIVE", "i2 before ACTIVE",
                "i1 after COMMITTED (thread: COMMITTED)", "i2 after COMMITTED (thread: COMMITTED)",
                "r1 after COMMITTED (thread: COMMITTED)", "r2 after COMMITTED",
                "late after COMMITTED (thread: COMMITTED)");
        assertMoved(20, id);
        assertThatThrownBy(() -> registry.getResource("key")).isInstanceOf(IllegalStateException.class);

        tm.begin();
        registry.putResource("key", "value");
        assertThat(registry.getResource("key")).isEqualTo("value");
        transfer(jta, 5);
        IllegalStateException flushFailed = new IllegalStateException("flush failed");
        List<String> failing = Recorder.events();
        registry.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                throw flushFailed;
            }

            @Override
            public void afterCompletion(int status) {
                failing.add("after " + status(status));
            }
        });
        assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class)
                .hasMessageContaining("beforeCompletion threw").hasCause(flushFailed);
        assertThat(failing).containsExactly("after ROLLEDBACK");
        assertMoved(20, id);
    }

    @Test
    void nestedBeginAndCompletionWithoutATransactionAreRefusedAsTheSpecificationSays() throws Exception {
        BatonJta jta = start();
        TransactionManager tm = jta.transactionManager();
        TransactionSynchronizationRegistry registry = jta.synchronizationRegistry();
        assertThatThrownBy(tm::commit).isInstanceOf(IllegalStateException.class).hasMessageContaining("no transaction");
        assertThatThrownBy(tm::rollback).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(tm::setRollbackOnly).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(registry::getRollbackOnly).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> registry.putResource("k", "v")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> registry.registerInterposedSynchronization(new Recorder("s", tm, Recorder.events())))
                .isInstanceOf(IllegalStateException.class);
        assertThat(tm.suspend()).isNull();
        assertThat(registry.getTransactionKey()).isNull();
        assertThat(status(registry.getTransactionStatus())).isEqualTo("NO_TRANSACTION");

        tm.begin();
        String id = (String) registry.getTransactionKey();
        assertThatThrownBy(tm::begin).isInstanceOf(NotSupportedException.class).hasMessageContaining(id)
                .hasMessageContaining("do not nest");
        Transaction outer = tm.suspend();
        tm.begin(); // a new, independent transaction once the first is suspended
        assertThat(registry.getTransactionKey()).isNotEqualTo(id);
        assertThatThrownBy(() -> tm.resume(outer)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("suspend or complete it");
        tm.rollback();
        tm.resume(outer);
        tm.rollback();
        assertThatThrownBy(outer::rollback).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(outer::setRollbackOnly).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> outer.registerSynchronization(new Recorder("s", tm, Recorder.events())))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void enlistingAResourceThatIsNotRegisteredIsRefusedWithTheProblemNamed() throws Exception {
        SameServerXaDataSource registered = new SameServerXaDataSource(BANK.port(), "bank_b");
        BatonJta jta = start(builder -> builder.dataSource("bank_b2", registered));
        TransactionManager tm = jta.transactionManager();
        tm.begin();
        Transaction tx = tm.getTransaction();
        XAConnection unregistered = Bank.dataSource(BANK.port(), Bank.UNREGISTERED).getXAConnection();
        XAConnection samePostgres = Bank.dataSource(BANK.port(), "bank_a").getXAConnection();
        XAConnection matching = new SameServerXaDataSource(BANK.port(), "bank_b").getXAConnection();
        try {
            assertThatThrownBy(() -> tx.enlistResource(unregistered.getXAResource()))
                    .isInstanceOf(SystemException.class)
                    .hasMessageContaining("none of the registered resources [bank_a, bank_b, bank_b2]")
                    .hasMessageContaining("could not be recovered after a crash");
            assertThatThrownBy(() -> tx.enlistResource(samePostgres.getXAResource()))
                    .as("pgjdbc's isSameRM knows only itself").isInstanceOf(SystemException.class)
                    .hasMessageContaining("BatonJta.dataSource(name)");
            assertThat(status(tx.getStatus())).as("a refusal does not spoil the transaction").isEqualTo("ACTIVE");

            assertThat(tx.enlistResource(matching.getXAResource())).isTrue();
            assertThat(tx.enlistResource(matching.getXAResource())).as("enlisting again is harmless").isTrue();
            assertThatThrownBy(() -> jta.dataSource("bank_b2").getConnection()).isInstanceOf(SQLException.class)
                    .hasMessageContaining("enlisted with an XA resource of the caller's");
            String id = (String) jta.synchronizationRegistry().getTransactionKey();
            try (Connection b = matching.getConnection()) {
                assertThat(Bank.apply(b, id, 2, 40)).isTrue();
            }
            try (Connection a = jta.dataSource("bank_a").getConnection()) {
                assertThat(Bank.apply(a, id, 1, -40)).isTrue();
            }
            assertThat(tx.delistResource(unregistered.getXAResource(), XAResource.TMSUCCESS)).isFalse();
            assertThat(tx.delistResource(matching.getXAResource(), XAResource.TMSUCCESS)).isTrue();
            tm.commit();
            assertMoved(40, id);
        } finally {
            unregistered.close();
            samePostgres.close();
            matching.close();
        }
    }

    @Test
    void aResourceDelistedWithFailureCanOnlyRollBack() throws Exception {
        SameServerXaDataSource bankB = new SameServerXaDataSource(BANK.port(), "bank_b");
        BatonJta jta = start(builder -> builder.dataSource("bank_b2", bankB));
        TransactionManager tm = jta.transactionManager();
        tm.begin();
        XAConnection foreign = bankB.getXAConnection();
        try {
            tm.getTransaction().enlistResource(foreign.getXAResource());
            transfer(jta, 10);
            tm.getTransaction().delistResource(foreign.getXAResource(), XAResource.TMFAIL);
            assertThat(status(tm.getStatus())).isEqualTo("MARKED_ROLLBACK");
            assertThatThrownBy(tm::commit).isInstanceOf(RollbackException.class)
                    .hasMessageContaining("'bank_b2' was delisted with TMFAIL");
        } finally {
            foreign.close();
        }
        assertUntouched();
    }

    @Test
    void aResourceThatRefusesToPrepareRollsEverythingBackWithTheReason() throws Exception {
        try (Connection c = DriverManager.getConnection(Bank.url(BANK.port(), "bank_b"));
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE guard (id int, CONSTRAINT once UNIQUE (id) DEFERRABLE INITIALLY DEFERRED)");
        }
        BatonJta jta = start();
        UserTransaction ut = jta.userTransaction();
        ut.begin();
        transfer(jta, 100);
        try (Connection b = jta.dataSource("bank_b").getConnection(); Statement s = b.createStatement()) {
            s.execute("INSERT INTO guard VALUES (1), (1)"); // violates the constraint only at prepare
        }
        assertThatThrownBy(ut::commit).isInstanceOf(RollbackException.class)
                .hasMessageContaining("resource 'bank_b' refused to prepare");
        assertUntouched();
    }

    @Test
    void aResourceThatRolledItsBranchBackOnItsOwnMakesTheCommitAHeuristicMixedOutcome() throws Exception {
        SameServerXaDataSource bankB = new SameServerXaDataSource(BANK.port(), "bank_b");
        BatonJta jta = start(builder -> builder.dataSource("bank_b2", bankB));
        TransactionManager tm = jta.transactionManager();
        tm.begin();
        String id = (String) jta.synchronizationRegistry().getTransactionKey();
        bankB.hook((step, xid) -> {
            if (step.equals("commit")) {
                // An operator rolls the prepared branch back at the worst moment, and the resource
                // says so, as resource managers that remember heuristic decisions (Oracle's) do.
                try (Connection c = DriverManager.getConnection(Bank.url(BANK.port(), "bank_b"));
                        Statement s = c.createStatement()) {
                    for (String gid : Bank.preparedIn(BANK.port(), "bank_b")) {
                        s.execute("ROLLBACK PREPARED '" + gid + "'");
                    }
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
                throw new XAException(XAException.XA_HEURRB);
            }
        });
        XAConnection foreign = bankB.getXAConnection();
        try {
            tm.getTransaction().enlistResource(foreign.getXAResource());
            try (Connection a = jta.dataSource("bank_a").getConnection()) {
                Bank.apply(a, id, 1, -60);
            }
            try (Connection b = foreign.getConnection()) {
                Bank.apply(b, id, 2, 60);
            }
            assertThatThrownBy(tm::commit).isInstanceOf(HeuristicMixedException.class)
                    .hasMessageContaining(id).hasMessageContaining("bank_b2=XA_HEURRB");
        } finally {
            foreign.close();
        }
        assertThat(Bank.transfers(BANK.port(), "bank_a")).contains(id);
        assertThat(Bank.transfers(BANK.port(), "bank_b")).doesNotContain(id);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    @Test
    void theDataSourceRefusesLocalTransactionControlInsideATransaction() throws Exception {
        BatonJta jta = start();
        DataSource bankA = jta.dataSource("bank_a");
        UserTransaction ut = jta.userTransaction();
        ut.begin();
        String id = (String) jta.synchronizationRegistry().getTransactionKey();
        Connection first = bankA.getConnection();
        assertThat(first.getAutoCommit()).isFalse();
        assertThatThrownBy(first::commit).isInstanceOf(SQLException.class)
                .hasMessageContaining("commit() is refused").hasMessageContaining(id)
                .hasMessageContaining("commits or rolls back as a whole");
        assertThatThrownBy(first::rollback).isInstanceOf(SQLException.class).hasMessageContaining("rollback() is refused");
        assertThatThrownBy(() -> first.setAutoCommit(true)).isInstanceOf(SQLException.class)
                .hasMessageContaining("setAutoCommit(true) is refused");
        first.setAutoCommit(false);
        assertThat(Bank.apply(first, id, 1, -5)).isTrue();
        first.close();
        assertThat(first.isClosed()).isTrue();
        assertThatThrownBy(first::createStatement).isInstanceOf(SQLException.class).hasMessageContaining("closed");
        Connection second = bankA.getConnection();
        assertThat(second).as("a new handle").isNotSameAs(first);
        try (Statement s = second.createStatement()) {
            assertThat(s.executeUpdate("UPDATE accounts SET balance = balance + 5 WHERE id = 2")).isEqualTo(1);
        }
        ut.commit();
        assertThat(second.isClosed()).as("the transaction is over").isTrue();
        assertThatThrownBy(second::createStatement).isInstanceOf(SQLException.class).hasMessageContaining("COMMITTED");
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 5);
        assertThat(Bank.balance(BANK.port(), "bank_a", 2)).isEqualTo(Bank.OPENING_BALANCE + 5);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).containsExactly(id);
        assertThat(Bank.prepared(BANK.port())).as("one resource: one-phase, nothing prepared").isEmpty();
    }

    @Test
    void outsideATransactionTheDataSourceLendsPlainConnectionsFromABoundedPool() throws Exception {
        BatonJta jta = start(builder -> builder.poolSize(2).connectionTimeout(Duration.ofMillis(200)));
        DataSource bankA = jta.dataSource("bank_a");
        Connection one = bankA.getConnection();
        Connection two = bankA.getConnection();
        assertThat(one.getAutoCommit()).isTrue();
        try (Statement s = one.createStatement()) {
            s.executeUpdate("UPDATE accounts SET balance = 1 WHERE id = 3");
        }
        assertThat(Bank.balance(BANK.port(), "bank_a", 3)).as("auto-commit").isEqualTo(1);
        assertThatThrownBy(bankA::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                .hasMessageContaining("'bank_a'").hasMessageContaining("all 2");

        two.setAutoCommit(false);
        try (Statement s = two.createStatement()) {
            s.executeUpdate("UPDATE accounts SET balance = 2 WHERE id = 3");
        }
        two.close(); // with its own transaction open: rolled back, back to auto-commit
        assertThatThrownBy(two::createStatement).isInstanceOf(SQLException.class).hasMessageContaining("closed");
        try (Connection three = bankA.getConnection()) {
            assertThat(three.getAutoCommit()).isTrue();
        }
        assertThat(Bank.balance(BANK.port(), "bank_a", 3)).isEqualTo(1);
        one.close();
        assertThatThrownBy(() -> jta.dataSource("bank_c")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[bank_a, bank_b]");
    }

    /**
     * In transactions, a resource has at most {@code poolSize} XA connections: with both held by
     * suspended transactions, a third transaction's connection fails after the connection timeout,
     * naming the resource, and succeeds once one of them has committed.
     */
    @Test
    void inTransactionsAResourceHasAtMostPoolSizeXaConnections() throws Exception {
        BatonJta jta = start(builder -> builder.poolSize(2).connectionTimeout(Duration.ofMillis(200)));
        TransactionManager tm = jta.transactionManager();
        DataSource bankA = jta.dataSource("bank_a");
        List<Transaction> held = new ArrayList<>();
        try {
            for (int account = 1; account <= 2; account++) {
                tm.begin();
                try (Connection connection = bankA.getConnection(); Statement s = connection.createStatement()) {
                    s.executeUpdate("UPDATE accounts SET balance = balance - 1 WHERE id = " + account);
                }
                held.add(tm.suspend());
            }
            tm.begin();
            assertThatThrownBy(bankA::getConnection).isInstanceOf(SQLException.class)
                    .hasMessageContaining("resource 'bank_a'").hasMessageContaining("all 2 are in use");
            tm.rollback();

            tm.resume(held.remove(0));
            tm.commit();
            tm.begin();
            try (Connection connection = bankA.getConnection(); Statement s = connection.createStatement()) {
                s.executeUpdate("UPDATE accounts SET balance = balance - 1 WHERE id = 3");
            }
            tm.commit();
        } finally {
            if (tm.getTransaction() != null) {
                tm.rollback();
            }
            for (Transaction transaction : held) { // rolled back, so that no row stays locked if a check failed
                tm.resume(transaction);
                tm.rollback();
            }
        }
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 1);
        assertThat(Bank.balance(BANK.port(), "bank_a", 2)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.balance(BANK.port(), "bank_a", 3)).isEqualTo(Bank.OPENING_BALANCE - 1);
    }

    /**
     * A transaction waiting for the resource's last connection gets it when the transaction that
     * holds it commits and gives it back. (The bound used to be kept in the data source, which
     * could not see the pool's idle list: the connection went there, and the waiter failed after
     * the whole wait with nothing in use.)
     */
    @Test
    void aTransactionWaitingForTheLastConnectionGetsItWhenItIsGivenBack() throws Exception {
        BatonJta jta = start(builder -> builder.poolSize(1).connectionTimeout(Timing.scaled(Duration.ofSeconds(30))));
        TransactionManager tm = jta.transactionManager();
        DataSource bankA = jta.dataSource("bank_a");
        tm.begin();
        try (Connection connection = bankA.getConnection(); Statement s = connection.createStatement()) {
            s.executeUpdate("UPDATE accounts SET balance = balance - 1 WHERE id = 1");
        }
        AtomicReference<Thread> waiter = new AtomicReference<>();
        Future<Integer> second = otherThread.submit(() -> {
            waiter.set(Thread.currentThread());
            tm.begin();
            try (Connection connection = bankA.getConnection(); Statement s = connection.createStatement()) {
                int updated = s.executeUpdate("UPDATE accounts SET balance = balance - 1 WHERE id = 2");
                tm.commit();
                return updated;
            } finally {
                if (tm.getTransaction() != null) {
                    tm.rollback();
                }
            }
        });
        Timing.await("the second transaction waits for the connection").until(() -> waiter.get() != null
                && waiter.get().getState() == Thread.State.TIMED_WAITING && Arrays.stream(waiter.get().getStackTrace())
                        .anyMatch(frame -> frame.getMethodName().equals("borrow")));
        tm.commit();
        assertThat(second.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS)).isEqualTo(1);
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 1);
        assertThat(Bank.balance(BANK.port(), "bank_a", 2)).isEqualTo(Bank.OPENING_BALANCE - 1);
    }
}
