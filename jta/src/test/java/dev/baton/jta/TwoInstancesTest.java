package dev.baton.jta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.XaDecision;
import dev.baton.txn.xa.JtaXaHooks;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two live instances of an application on the same resources: what one's recovery does to the
 * other's transactions, and what the other's caller is told.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TwoInstancesTest {

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = JtaTesting.zooKeeper();

    private final ExecutorService committer = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopThreads() {
        committer.shutdownNow();
    }

    /**
     * A transaction paused between its COMMIT decision and its branch commits (as by a GC pause or
     * a slow thread) while another instance runs a full recovery scan. Recovery commits the
     * branches of any decided transaction, also one whose owner is alive, so the other instance
     * may finish them first; the owner's caller must still be told that the transaction committed
     * (with PostgreSQL's driver the owner's late commit fails with a plain resource error, which
     * it reads as "recovery commits it").
     */
    @Test
    void aDecidedTransactionWhoseBranchesAnotherInstanceFinishedIsReportedCommittedToItsCaller() throws Exception {
        int port = BANK.port();
        Bank.reset(port);
        CountDownLatch decided = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        BatonJta owner = ZK.closeAfter(JtaTesting.bank(JtaTesting.client(ZK), port)
                .xaTransactions(xa -> JtaXaHooks.steps(xa, (step, txnId) -> {
                    if (step == Step.XA_DECIDED) {
                        decided.countDown();
                        awaitQuietly(goOn);
                    }
                })).start());
        TransactionManager tm = owner.transactionManager();
        Future<String> commit = committer.submit(() -> {
            tm.begin();
            String id = (String) owner.synchronizationRegistry().getTransactionKey();
            try (Connection a = owner.dataSource("bank_a").getConnection()) {
                assertThat(Bank.apply(a, id, 1, -100)).isTrue();
            }
            try (Connection b = owner.dataSource("bank_b").getConnection()) {
                assertThat(Bank.apply(b, id, 2, 100)).isTrue();
            }
            tm.commit();
            return id;
        });
        assertThat(decided.await(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS)).isTrue();

        // A marker only the other instance can finish: the decision of a dead owner on bank_a and
        // bank_c, whose branches are all done. A scan deletes it last, so once it is gone the
        // other instance's first scan has looked at every prepared branch.
        CuratorFramework inspector = JtaTesting.client(ZK);
        String marker = TxnNames.newTxnId(System.currentTimeMillis());
        inspector.create().forPath("/baton/xa/decisions/" + marker, TxnCodec.xaDecision(
                new XaDecision(marker, "00000000000000aa-0000beef", List.of("bank_a", Bank.UNREGISTERED))));
        Set<String> preparedBefore = Bank.prepared(port);
        assertThat(preparedBefore).hasSize(2);
        BatonJta other = ZK.closeAfter(JtaTesting.bank(JtaTesting.client(ZK), port)
                .dataSource(Bank.UNREGISTERED, Bank.dataSource(port, Bank.UNREGISTERED)).start());
        Timing.await("the other instance's first scan finishes")
                .until(() -> inspector.checkExists().forPath("/baton/xa/decisions/" + marker) == null);
        Set<String> preparedAfterTheScan = Bank.prepared(port);

        goOn.countDown();
        String id = commit.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS); // no exception: committed
        System.out.println("TWO-INSTANCES branches left prepared by the other instance's scan: " + preparedAfterTheScan);
        assertThat(Bank.transfers(port, "bank_a")).containsExactly(id);
        assertThat(Bank.transfers(port, "bank_b")).containsExactly(id);
        assertThat(Bank.prepared(port)).isEmpty();
        assertThat(other.resources()).contains(Bank.UNREGISTERED);
        Timing.await("the owner deletes its decision").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> inspector.getChildren().forPath("/baton/xa/decisions").isEmpty());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
