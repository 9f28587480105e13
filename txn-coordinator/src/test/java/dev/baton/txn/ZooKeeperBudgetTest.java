package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a transaction costs ZooKeeper, counted by the server: its requests (issue 12's budget of 15
 * for two participants) and its writes (2N+3 on the distributed path; on the in-process XA path one
 * on the commit path and one after).
 *
 * <p>Every count here runs on 20 s sessions, on a server whose ticks allow them, not on the other
 * tests' 1.5 s sessions, for two reasons:
 * <ul>
 *   <li>The server counts every packet, pings too, and an idle session pings every third of its
 *       timeout. With 1.5 s sessions that was a ping per idle session every 0.5 s, so the request
 *       figure grew with the wall time (12.1–13.5 on a loaded machine).
 *   <li>At a load average of 20 and more, 1.5 s sessions expire. A write sent again on the new
 *       session, or a live node registered there again, is then one more write in the server's log,
 *       or a failed one, which the write counts would count against the protocol.
 * </ul>
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ZooKeeperBudgetTest {

    private static final Duration SESSION = Duration.ofSeconds(20);
    private static final String DECISIONS = "/baton/xa/decisions";

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create().tickMillis(1000);

    private CuratorFramework client() {
        return zk.closeAfter(TxnTesting.client(zk.connectString(), SESSION));
    }

    private ParticipantHost host(CuratorFramework curator, Map<String, MemoryParticipant> participants) {
        ParticipantHost.Builder builder = ParticipantHost.builder(curator).abortGrace(Duration.ofMillis(300));
        participants.forEach(builder::participant);
        return zk.closeAfter(builder.start());
    }

    /**
     * Two more coordinator instances, each on a session of its own, that follow every transaction:
     * they watch the driver lease and must send nothing while its holder is alive.
     */
    private void startTwoFollowers() {
        zk.closeAfter(TransactionCoordinator.start(client()));
        zk.closeAfter(TransactionCoordinator.start(client()));
    }

    @Test
    void aTransactionCostsAtMostFifteenRequestsWithOtherInstancesFollowing() throws Exception {
        CuratorFramework curator = client();
        CuratorFramework inspector = client();
        startTwoFollowers();
        host(curator, Map.of("r1", new MemoryParticipant(), "r2", new MemoryParticipant()));
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        for (int i = 0; i < 5; i++) {
            assertThat(coordinator.begin().branch("r1", new byte[8]).branch("r2", new byte[8]).commit().isCommitted())
                    .isTrue();
        }
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        int transactions = 20;
        long before = TxnTesting.packetsReceived(zk.port());
        for (int i = 0; i < transactions; i++) {
            assertThat(coordinator.begin().branch("r1", new byte[8]).branch("r2", new byte[8]).commit().isCommitted())
                    .isTrue();
        }
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        // Less the awaitAllCollected reads and the mntr itself, which this test sends.
        long requests = TxnTesting.packetsReceived(zk.port()) - before - 4;
        double perTransaction = requests / (double) transactions;
        System.out.printf("REQUESTS-PER-TRANSACTION %.1f%n", perTransaction);
        // Held to 12.5 since the driver lease is adopted from the begin's results (11.1–11.7
        // measured, 14.5 before).
        assertThat(perTransaction).isLessThanOrEqualTo(12.5);
    }

    @Test
    void aTransactionCostsAtMostTwoWritesPerParticipantPlusThree() throws Exception {
        CuratorFramework curator = client();
        CuratorFramework inspector = client();
        startTwoFollowers();
        Map<Integer, Long> measured = new TreeMap<>();
        for (int n : new int[] {2, 3, 5}) {
            Map<String, MemoryParticipant> participants = new HashMap<>();
            for (int i = 0; i < n; i++) {
                participants.put("w" + n + "-" + i, new MemoryParticipant());
            }
            host(curator, participants);
            TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
            for (int round = 0; round < 2; round++) {
                TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
                long before = TxnTesting.zxid(zk.port());
                TransactionBuilder txn = coordinator.begin();
                participants.keySet().forEach(name -> txn.branch(name, new byte[8]));
                assertThat(txn.commit().isCommitted()).isTrue();
                TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
                measured.put(n, TxnTesting.zxid(zk.port()) - before);
                List<String> writes = TxnLogReader.writesAfter(zk.server().getTempDirectory(), before);
                System.out.println("WRITES n=" + n + " " + writes);
                assertThat(writes).as("no separate lease write, no failed write").noneMatch(
                        write -> write.matches(".*/txn/tx-[^/ ]*/lease-.*") || write.contains(" error "));
            }
            assertThat(measured.get(n)).as("writes for %d participants", n).isLessThanOrEqualTo(2L * n + 3);
        }
        System.out.println("WRITES-PER-TRANSACTION " + measured);
    }

    @Test
    void anXaTransferCommitsWithOneZooKeeperWriteOnItsPathAndOneMoreAfter() throws Exception {
        Bank.reset(BANK.port());
        CuratorFramework inspector = client();
        XaTransactions xa = zk.closeAfter(XaTransactions.builder(client())
                .resource("bank_a", Bank.dataSource(BANK.port(), "bank_a"))
                .resource("bank_b", Bank.dataSource(BANK.port(), "bank_b"))
                .recoveryGrace(Duration.ZERO)
                .start());
        long before = TxnTesting.zxid(zk.port());
        Outcome outcome;
        try (XaTransaction tx = xa.begin()) {
            assertThat(Bank.apply(tx.connection("bank_a"), tx.id(), 1, -100)).isTrue();
            assertThat(Bank.apply(tx.connection("bank_b"), tx.id(), 2, 100)).isTrue();
            outcome = tx.commit();
        }
        assertThat(outcome.isCommitted()).as(outcome.toString()).isTrue();
        assertThat(outcome.participants()).containsExactly("bank_a", "bank_b");
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 100);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 100);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).containsExactly(outcome.txnId());
        assertThat(Bank.prepared(BANK.port())).isEmpty();
        Timing.await("every decision is deleted").until(() -> inspector.getChildren().forPath(DECISIONS).isEmpty());
        List<String> writes = TxnLogReader.writesAfter(zk.server().getTempDirectory(), before);
        System.out.println("XA-WRITES " + writes);
        assertThat(writes).as("the decision, then its deletion").hasSize(2);
        assertThat(TxnLogReader.createsAfter(zk.server().getTempDirectory(), before))
                .containsExactly(DECISIONS + "/" + outcome.txnId());
    }
}
