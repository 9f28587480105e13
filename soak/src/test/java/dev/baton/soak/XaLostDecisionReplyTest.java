package dev.baton.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.soak.cluster.BankServers;
import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.xa.PGXADataSource;

/**
 * Reproducer of what the 2PC soak found (RELIABILITY.md, 2PC): on the in-process XA path, a
 * coordinator whose session ends while the reply to its COMMIT decision is on its way tells its
 * caller ABORTED although the transaction committed in both databases. The decision write took
 * effect; another instance's recovery saw the owner gone and the decision present, committed both
 * branches and deleted the decision (owner gone, nothing prepared); the coordinator, back, resolves
 * the lost reply by reading the decision node ({@code XaStore.isDecided}), finds none, and
 * reports "this instance's ZooKeeper session ended before the decision". Its rollback then fails
 * on both resources (the branches no longer exist) and is logged as "recovery rolls it back".
 *
 * <p>Deterministic: the coordinator reaches ZooKeeper through a {@link TcpProxy} that lets the
 * decision through and drops every reply, until the survivor has finished the transaction.
 * Expected: COMMITTED (the survivor keeps a decision it finished for a retention of 5 minutes, so
 * the coordinator finds it); before the first fix: ABORTED (failed 2 of 2); after it and before the
 * retention: an {@link OutcomeUnknownException} (truthful, but the caller had to ask the databases).
 * The unknown answer, when the decision is gone after all, is tested in baton-txn's
 * {@code XaLostReplyTest}.
 */
@Tag("slow")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class XaLostDecisionReplyTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();
    /** The databases' directory, deleted after the test. */
    @TempDir
    Path dir;

    @Test
    void aCommitWhoseReplyWasLostIsNotToldAbortedOnceASurvivorFinishedIt() throws Exception {
        // The build runs tests with the retention at 0 (so that they can wait for deletions): put
        // the production default back for this one.
        String retention = System.getProperty("dev.baton.xa.decision-retention-ms");
        System.setProperty("dev.baton.xa.decision-retention-ms", Long.toString(TimeUnit.MINUTES.toMillis(5)));
        try {
            commitWhoseReplyWasLost();
        } finally {
            if (retention == null) {
                System.clearProperty("dev.baton.xa.decision-retention-ms");
            } else {
                System.setProperty("dev.baton.xa.decision-retention-ms", retention);
            }
        }
    }

    private void commitWhoseReplyWasLost() throws Exception {
        Duration session = ZooKeeperServerExtension.sessionTimeout();
        try (BankServers banks = BankServers.start(dir, 2);
             TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", ZK.port()))) {
            XaTransactions coordinator = start(banks, config(proxy.address().getHostString() + ":" + proxy.port(),
                    session), Duration.ofSeconds(60));
            XaTransactions survivor = start(banks, config(ZK.connectString(), session), Duration.ZERO);
            try {
                XaTransaction tx = coordinator.begin(Duration.ofSeconds(60));
                assertTrue(TransferWorker.apply(tx.connection("bank_a"), tx.id(), 1, -10));
                assertTrue(TransferWorker.apply(tx.connection("bank_b"), tx.id(), 2, 10));

                proxy.dropReplies(); // the decision reaches ZooKeeper; its reply, and every later one, is lost
                CompletableFuture<Outcome> commit = CompletableFuture.supplyAsync(tx::commit);

                Timing.await("the survivor commits both branches once the coordinator's session has expired")
                        .atMost(Timing.scaled(Duration.ofSeconds(60)))
                        .until(() -> rows(banks, "bank_a", tx.id()) == 1 && rows(banks, "bank_b", tx.id()) == 1
                                && banks.preparedEverywhere().isEmpty());
                Timing.await("the survivor keeps the finished decision (its retention) over several scans")
                        .during(Timing.scaled(Duration.ofSeconds(1))).atMost(Timing.scaled(Duration.ofSeconds(10)))
                        .until(() -> decisions().contains(tx.id()));
                proxy.restore();

                TransactionState told;
                try {
                    told = commit.get(60, TimeUnit.SECONDS).state();
                } catch (ExecutionException e) {
                    throw new AssertionError("the decision was kept, so the caller can be told COMMITTED, but got "
                            + e.getCause(), e.getCause());
                }
                assertEquals(1, rows(banks, "bank_a", tx.id()), "committed in bank_a");
                assertEquals(1, rows(banks, "bank_b", tx.id()), "committed in bank_b");
                assertEquals(TransactionState.COMMITTED, told,
                        "the caller was told " + told + " for a transaction committed in both databases");
            } finally {
                coordinator.close();
                survivor.close();
            }
        }
    }

    private static Map<String, String> config(String connect, Duration session) {
        return Map.of("baton.zookeeper.connect", connect,
                "baton.zookeeper.session-timeout", session.toMillis() + "ms",
                "baton.zookeeper.connection-timeout", "1s");
    }

    private static XaTransactions start(BankServers banks, Map<String, String> config, Duration grace) {
        XaTransactions.Builder builder = XaTransactions.builder(config);
        for (String bank : BankServers.BANKS) {
            PGXADataSource ds = new PGXADataSource();
            ds.setUrl(BankServers.url(banks.ports().get(bank), bank));
            builder.resource(bank, ds);
        }
        return builder.recoveryGrace(grace).recoveryInterval(Duration.ofMillis(500)).start();
    }

    private static java.util.List<String> decisions() throws Exception {
        org.apache.zookeeper.ZooKeeper zk = new org.apache.zookeeper.ZooKeeper(ZK.connectString(), 10_000, e -> { });
        try {
            Timing.await("connected").until(() -> zk.getState().isConnected());
            return zk.exists("/baton/xa/decisions", false) == null ? java.util.List.of()
                    : zk.getChildren("/baton/xa/decisions", false);
        } finally {
            zk.close();
        }
    }

    private static int rows(BankServers banks, String bank, String txnId) throws Exception {
        try (Connection c = banks.connect(bank); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM transfers WHERE txn_id = '" + txnId + "'")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
