package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.xa.XaHooks;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The in-process path when the reply to a COMMIT decision is lost and the coordinator's session
 * ends: the decision reached ZooKeeper, another instance's recovery committed both branches, and
 * the coordinator comes back to look. Recovery keeps a decision it finished for a retention, so
 * the coordinator finds it and tells its caller COMMITTED; if the decision is gone (here with the
 * retention shortened to nothing), the branches no longer prepared leave the outcome unknown, and
 * the caller is told so rather than ABORTED.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class XaLostReplyTest {

    private static final String DECISIONS = "/baton/xa/decisions";

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private TcpProxy proxy;
    private CuratorFramework inspector;
    private Duration retention;

    @BeforeEach
    void start() throws Exception {
        Bank.reset(BANK.port());
        proxy = zk.closeAfter(TcpProxy.start(new InetSocketAddress("127.0.0.1", zk.port())));
        inspector = TxnTesting.client(zk);
        retention = XaHooks.decisionRetention(Duration.ofMinutes(5));
    }

    @AfterEach
    void restoreRetention() {
        XaHooks.decisionRetention(retention);
    }

    private XaTransactions start(CuratorFramework curator, Duration grace) {
        return zk.closeAfter(builder(curator, grace).start());
    }

    private static XaTransactions.Builder builder(CuratorFramework curator, Duration grace) {
        return XaTransactions.builder(curator)
                .resource("bank_a", Bank.dataSource(BANK.port(), "bank_a"))
                .resource("bank_b", Bank.dataSource(BANK.port(), "bank_b"))
                .recoveryGrace(grace).recoveryInterval(Duration.ofMillis(200));
    }

    /** Commits a transfer whose decision's reply is lost until a survivor has committed both branches. */
    private CompletableFuture<Outcome> commitWhileASurvivorFinishesIt(String[] txnId) throws Exception {
        // Replies are dropped from the moment both branches are prepared, so that the decision is
        // the next request: dropped earlier, a slow prepare on a loaded machine outlasted the
        // client's read timeout, and the decision waited for a reconnect that never completed.
        StepListener loseReplies = (step, id) -> {
            if (step == Step.XA_PREPARED) {
                proxy.dropReplies(); // the decision reaches ZooKeeper; its reply, and every later one, is lost
            }
        };
        XaTransactions coordinator = zk.closeAfter(XaHooks.steps(builder(TxnTesting.client("127.0.0.1:" + proxy.port()),
                Duration.ofSeconds(60)), loseReplies).start());
        start(TxnTesting.client(zk), Duration.ZERO); // the survivor
        XaTransaction tx = coordinator.begin(Duration.ofSeconds(60));
        txnId[0] = tx.id();
        assertThat(Bank.apply(tx.connection("bank_a"), tx.id(), 1, -10)).isTrue();
        assertThat(Bank.apply(tx.connection("bank_b"), tx.id(), 2, 10)).isTrue();
        CompletableFuture<Outcome> commit = CompletableFuture.supplyAsync(tx::commit);
        Timing.await("the decision is in ZooKeeper").until(() -> inspector.checkExists().forPath(DECISIONS + "/" + tx.id()) != null);
        // Then nothing gets through either way, so that the session expires. With replies dropped
        // alone, the client's reconnects still reached the server and, on a loaded machine, kept
        // renewing the session for over a minute.
        proxy.blackhole();
        Timing.await("the survivor commits both branches once the coordinator's session has expired")
                .atMost(Timing.scaled(Duration.ofSeconds(60)))
                .until(() -> Bank.transfers(BANK.port(), "bank_a").contains(tx.id())
                        && Bank.transfers(BANK.port(), "bank_b").contains(tx.id())
                        && Bank.prepared(BANK.port()).isEmpty());
        return commit;
    }

    @Test
    void aDecisionRecoveryFinishedIsKeptSoTheCoordinatorFindsItAndTellsCommitted() throws Exception {
        String[] txnId = new String[1];
        CompletableFuture<Outcome> commit = commitWhileASurvivorFinishesIt(txnId);
        Timing.await("several recovery scans later (every 200 ms), the survivor still keeps the finished decision")
                .during(Timing.scaled(Duration.ofSeconds(1))).atMost(Timing.scaled(Duration.ofSeconds(5)))
                .until(() -> inspector.getChildren().forPath(DECISIONS).contains(txnId[0]));
        proxy.restore();

        Outcome outcome = commit.get(Timing.scaledMillis(60_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.state()).as(outcome.toString()).isEqualTo(TransactionState.COMMITTED);
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE - 10);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE + 10);
    }

    @Test
    void withTheDecisionGoneAndTheBranchesFinishedTheCallerIsToldUnknownNotAborted() throws Exception {
        XaHooks.decisionRetention(Duration.ZERO);
        String[] txnId = new String[1];
        CompletableFuture<Outcome> commit = commitWhileASurvivorFinishesIt(txnId);
        Timing.await("the survivor deletes the finished decision at once")
                .until(() -> inspector.getChildren().forPath(DECISIONS).isEmpty());
        proxy.restore();

        assertThatThrownBy(() -> commit.get(Timing.scaledMillis(60_000), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("no longer prepared");
        assertThat(Bank.transfers(BANK.port(), "bank_a")).contains(txnId[0]);
    }

    /**
     * The decision is sent into a partition (the proxy holds every byte back, then drops them) and
     * never reaches ZooKeeper; the partition heals before the coordinator gives up. Looking within
     * four fifths of the retention, it finds no decision and knows none was ever written; with the
     * retention cut to nothing it looks "later", and both branches still prepared prove the same.
     * Either way the caller is told ABORTED, the branches are rolled back, and nothing is left.
     */
    @ParameterizedTest(name = "retention {0} ms")
    @ValueSource(longs = {300_000, 0})
    void aDecisionThatNeverReachedZooKeeperIsToldAbortedOnceZooKeeperCanBeRead(long retentionMillis) throws Exception {
        XaHooks.decisionRetention(Duration.ofMillis(retentionMillis));
        CuratorFramework victim = zk.closeAfter(TxnTesting.client("127.0.0.1:" + proxy.port()));
        StepListener partition = (step, txnId) -> {
            if (step == Step.XA_PREPARED) {
                proxy.blackhole();
            }
        };
        XaTransactions coordinator = zk.closeAfter(XaHooks.steps(builder(victim, Duration.ofSeconds(60)), partition)
                .start());
        XaTransaction tx = coordinator.begin(Duration.ofSeconds(60));
        assertThat(Bank.apply(tx.connection("bank_a"), tx.id(), 1, -10)).isTrue();
        assertThat(Bank.apply(tx.connection("bank_b"), tx.id(), 2, 10)).isTrue();
        CompletableFuture<Outcome> commit = CompletableFuture.supplyAsync(tx::commit);
        Timing.await("the coordinator's connection is lost in the partition")
                .until(() -> !victim.getZookeeperClient().isConnected());
        proxy.cut(); // the held decision is dropped, never sent on
        proxy.restore();

        Outcome outcome = commit.get(Timing.scaledMillis(60_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.state()).as(outcome.toString()).isEqualTo(TransactionState.ABORTED);
        assertThat(inspector.getChildren().forPath(DECISIONS)).isEmpty();
        assertThat(Bank.prepared(BANK.port())).isEmpty();
        assertThat(Bank.balance(BANK.port(), "bank_a", 1)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.balance(BANK.port(), "bank_b", 2)).isEqualTo(Bank.OPENING_BALANCE);
        assertThat(Bank.transfers(BANK.port(), "bank_a")).doesNotContain(tx.id());
    }
}
