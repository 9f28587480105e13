package dev.baton.jta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.jta.JtaTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Spring, unchanged: its own {@link JtaTransactionManager} on Baton's {@code UserTransaction} and
 * {@code TransactionManager}, a {@code @Transactional} service with {@code JdbcTemplate}s on the two
 * wrapped PostgreSQL data sources.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SpringJtaTest {

    private static final int THREADS = 4;
    private static final int TRANSFERS_PER_THREAD = 75;

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = JtaTesting.zooKeeper();

    private static BatonJta jta;
    private static AnnotationConfigApplicationContext context;
    private static TransferService bank;

    @BeforeAll
    static void startSpring() throws Exception {
        jta = ZK.closeAfter(JtaTesting.bank(JtaTesting.client(ZK), BANK.port()).poolSize(THREADS + 2).start());
        context = BankConfig.context(jta, TransferService.Listener.NONE);
        bank = context.getBean(TransferService.class);
    }

    @AfterAll
    static void stopSpring() {
        if (context != null) {
            context.close();
        }
    }

    @BeforeEach
    void reset() throws Exception {
        Bank.reset(BANK.port());
    }

    @Test
    void springsJtaTransactionManagerRunsOnBatonAndFindsTheRegistryByItself() {
        JtaTransactionManager manager = context.getBean(JtaTransactionManager.class);
        assertThat(manager.getUserTransaction()).isSameAs(jta.userTransaction());
        assertThat(manager.getTransactionManager()).isSameAs(jta.transactionManager());
        assertThat(manager.getTransactionSynchronizationRegistry()).isSameAs(jta.synchronizationRegistry());
        assertThat(bank.inActiveTransaction()).isFalse();
    }

    @Test
    void aTransferCommitsInBothDatabases() throws Exception {
        String txnId = bank.transfer(1, 2, 100);
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 100);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 100);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).containsExactly(txnId);
        assertThat(Bank.transfers(BANK.port(), "bank_b")).containsExactly(txnId);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
        assertThat(jta.transactionManager().getTransaction()).as("Spring completed it").isNull();
    }

    @Test
    void aRuntimeExceptionAfterBothUpdatesLeavesBothDatabasesUntouched() throws Exception {
        assertThatThrownBy(() -> bank.transferThenFail(1, 2, 100)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failed after both updates");
        assertThatThrownBy(() -> bank.transfer(3, 4, Bank.OPENING_BALANCE + 1))
                .isInstanceOf(TransferService.InsufficientFundsException.class);
        assertThat(Bank.total(BANK.port())).isEqualTo(Bank.TOTAL);
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).isEmpty();
        assertThat(Bank.transfers(BANK.port(), "bank_b")).isEmpty();
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }

    @Test
    void requiresNewSuspendsTheCallersTransactionAndCommitsOnItsOwn() throws Exception {
        try (Connection c = DriverManager.getConnection(Bank.url(BANK.port(), "bank_a"));
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS audit");
            s.execute("CREATE TABLE audit (note text NOT NULL)");
        }
        TransactionTemplate outer = new TransactionTemplate(context.getBean(JtaTransactionManager.class));
        AtomicReference<String> outerId = new AtomicReference<>();
        AtomicReference<String> auditId = new AtomicReference<>();
        assertThatThrownBy(() -> outer.executeWithoutResult(status -> {
            outerId.set(bank.transfer(1, 2, 100)); // joins the outer transaction
            auditId.set(bank.audit("transfer attempted")); // suspends it, commits its own
            assertThat(bank.inActiveTransaction()).as("the outer transaction is resumed").isTrue();
            throw new IllegalStateException("the caller changes its mind");
        })).hasMessage("the caller changes its mind");
        assertThat(auditId.get()).isNotEqualTo(outerId.get());
        assertThat(Bank.transfers(BANK.port(), "bank_a")).isEmpty();
        try (Connection c = DriverManager.getConnection(Bank.url(BANK.port(), "bank_a"));
                Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT note FROM audit")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("transfer attempted");
        }
        assertThat(Bank.total(BANK.port())).isEqualTo(Bank.TOTAL);
    }

    @Test
    void moneyIsConservedOverHundredsOfConcurrentTransfers() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        Set<String> committed = ConcurrentHashMap.newKeySet();
        Set<String> refused = ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Random random = new Random(1000 + t);
                runs.add(threads.submit(() -> {
                    for (int i = 0; i < TRANSFERS_PER_THREAD; i++) {
                        long amount = (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(400));
                        try {
                            committed.add(bank.transfer(1 + random.nextInt(Bank.ACCOUNTS),
                                    1 + random.nextInt(Bank.ACCOUNTS), amount));
                        } catch (TransferService.InsufficientFundsException | DataAccessException e) {
                            refused.add(e.getClass().getSimpleName()); // rolled back: funds, or a lock timeout
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(Timing.scaled(Duration.ofMinutes(2)).toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
        System.out.println("SPRING-TRANSFERS committed=" + committed.size() + " of " + THREADS * TRANSFERS_PER_THREAD
                + ", refusals " + refused);
        assertThat(committed).hasSizeGreaterThan(THREADS * TRANSFERS_PER_THREAD / 2);
        assertThat(Bank.total(BANK.port())).as("money is conserved").isEqualTo(Bank.TOTAL);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).isEqualTo(committed);
        assertThat(Bank.transfers(BANK.port(), "bank_b")).isEqualTo(committed);
        assertThat(Bank.prepared(BANK.port())).isEmpty();
    }
}
