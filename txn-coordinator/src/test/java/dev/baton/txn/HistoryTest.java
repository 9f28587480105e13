package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.HistoryKeeper;
import dev.baton.txn.internal.store.HistoryNames;
import dev.baton.txn.internal.store.HistoryTrim;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.participant.ParticipantHost;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bounded history of finished transactions: kept by the collect write, readable after the znodes are gone. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class HistoryTest {

    private static final String HISTORY = "/baton/txn-history";
    /**
     * The sessions of the coordinators and the host: long enough that none expires on a loaded
     * machine (1.5 s ones did at load average 20-34, and a write resent on a new session may fail
     * harmlessly, which the contention test counts as a failure). The server's ticks allow them.
     */
    private static final Duration SESSION = Duration.ofSeconds(10);

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create().tickMillis(500);
    private CuratorFramework curator;
    private final MemoryParticipant a = new MemoryParticipant();
    private final MemoryParticipant b = new MemoryParticipant();

    @BeforeEach
    void start() {
        curator = zk.closeAfter(TxnTesting.client(zk.connectString(), SESSION));
        b.voter = branch -> branch.payload()[0] % 2 == 0 ? Vote.yes() : Vote.no("odd\\amount\nrefused");
        zk.closeAfter(ParticipantHost.builder(curator).participant("a", a).participant("b", b).start());
    }

    private static Outcome run(TransactionCoordinator coordinator, int i) throws InterruptedException {
        return coordinator.begin().branch("a", new byte[] {(byte) i}).branch("b", new byte[] {(byte) i}).commit();
    }

    @Test
    void theHistoryKeepsTheLastOutcomesAndDropsTheOldestInTheCollectWrite() throws Exception {
        int size = 5;
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.builder(curator).historySize(size).start());
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < size + 3; i++) {
            outcomes.add(run(coordinator, i));
            TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        }
        long before = TxnTesting.zxid(zk.port());
        outcomes.add(run(coordinator, 100));
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        long writes = TxnTesting.zxid(zk.port()) - before;

        assertThat(writes).as("2N+3 with the history full: its entry and trim ride in the collect").isEqualTo(7);
        assertThat(coordinator.core().keeper.listings()).as("the keeper lists the history once, not per collect")
                .isLessThanOrEqualTo(2);
        assertThat(curator.getChildren().forPath(HISTORY)).hasSize(size);
        List<Outcome> recent = coordinator.admin().recentOutcomes();
        List<String> expected = new ArrayList<>();
        for (int i = outcomes.size() - 1; i >= outcomes.size() - size; i--) {
            expected.add(outcomes.get(i).txnId());
        }
        assertThat(recent).extracting(Outcome::txnId).as("the newest first").containsExactlyElementsOf(expected);
        assertThat(coordinator.admin().recentOutcomes(2)).extracting(Outcome::txnId).containsExactlyElementsOf(expected.subList(0, 2));
        for (Outcome dropped : outcomes.subList(0, outcomes.size() - size)) {
            assertThat(coordinator.outcome(dropped.txnId())).as("dropped %s", dropped.txnId()).isEmpty();
            assertThat(coordinator.state(dropped.txnId())).isEmpty();
        }
        for (Outcome kept : outcomes.subList(outcomes.size() - size, outcomes.size())) {
            Outcome read = coordinator.outcome(kept.txnId()).orElseThrow();
            assertThat(read.state()).isEqualTo(kept.state());
            assertThat(read.reason()).isEqualTo(kept.reason());
            assertThat(read.votes()).isEqualTo(kept.votes());
            assertThat(read.participants()).containsExactly("a", "b");
            assertThat(read.finishedAt()).hasValueSatisfying(t -> assertThat(t).isBefore(Instant.now().plusSeconds(1)));
            assertThat(coordinator.state(kept.txnId())).contains(kept.state());
        }
        assertThat(recent).anySatisfy(o -> assertThat(o.vote("b").orElseThrow().reason()).isEqualTo("odd\\amount\nrefused"));
    }

    @Test
    void twoInstancesCollectingAtOnceNeverFailAWriteAndTheKeeperHoldsTheSize() throws Exception {
        int size = 4;
        TransactionCoordinator keeper = zk.closeAfter(TransactionCoordinator.builder(curator).historySize(size)
                .historyIdleTrim(Duration.ofMillis(300)).start());
        TransactionCoordinator other = zk.closeAfter(TransactionCoordinator.builder(
                zk.closeAfter(TxnTesting.client(zk.connectString(), SESSION))).historySize(size).start());
        assertThat(keeper.core().keeper.holds()).isTrue();
        assertThat(other.core().keeper.holds()).isFalse();
        long before = TxnTesting.zxid(zk.port());
        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            TransactionCoordinator coordinator = i % 2 == 0 ? keeper : other;
            futures.add(coordinator.begin().branch("a", new byte[] {(byte) i}).branch("b", new byte[] {(byte) i})
                    .commitAsync());
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(Timing.scaledMillis(30_000),
                TimeUnit.MILLISECONDS);
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(30));
        List<String> failed = TxnTesting.failedWrites(zk.server(), before);
        if (!failed.isEmpty()) {
            System.out.println("FAILED-WRITES keeper session " + Long.toHexString(keeper.curator().getZookeeperClient()
                    .getZooKeeper().getSessionId()) + " other " + Long.toHexString(other.curator()
                    .getZookeeperClient().getZooKeeper().getSessionId()));
            TxnLogReader.writesAfter(zk.server().getTempDirectory(), before, true).forEach(System.out::println);
        }

        assertThat(failed).as("failed writes while two instances collect").isEmpty();
        Timing.await("the keeper trims what the other instance added last").until(
                () -> curator.getChildren().forPath(HISTORY).size() == size);
        for (Outcome outcome : other.admin().recentOutcomes()) {
            assertThat(a.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
        }
        System.out.println("HISTORY-CONTENTION transactions=40 failed-writes=" + failed.size()
                + " keeper-listings=" + keeper.core().keeper.listings());
    }

    @Test
    void theKeeperNeverHandsTheSameOldEntryToTwoCollectsInFlight() throws Exception {
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.builder(curator).historySize(2)
                .historyIdleTrim(Duration.ofMinutes(5)).start());
        HistoryKeeper keeper = coordinator.core().keeper;
        assertThat(keeper.holds()).isTrue();
        addEntries(8, 0);
        HistoryTrim first = keeper.victims(0).join();
        addEntries(4, 8); // other instances collect while the first write is in flight: the keeper lists again
        HistoryTrim whileInFlight = keeper.victims(0).join();
        keeper.failed(first); // the first write failed: its entries are still there
        HistoryTrim second = keeper.victims(0).join();

        assertThat(first.victims()).hasSize(6);
        assertThat(whileInFlight.victims()).as("one trim at a time: each raises the history's mark").isEmpty();
        assertThat(second.victims()).as("the entries beyond the size").hasSize(10);
    }

    private void addEntries(int count, int from) throws Exception {
        for (int i = from; i < from + count; i++) {
            String name = HistoryNames.name(TxnNames.newTxnId(i), Instant.ofEpochMilli(1_000 + i));
            curator.create().forPath(HISTORY + "/" + name);
        }
    }

    @Test
    void whenTheKeeperStopsAnotherInstanceKeepsTheHistory() throws Exception {
        int size = 3;
        TransactionCoordinator first = TransactionCoordinator.builder(TxnTesting.client(zk)).historySize(size).start();
        TransactionCoordinator second = zk.closeAfter(TransactionCoordinator.builder(curator).historySize(size).start());
        assertThat(first.core().keeper.holds()).isTrue();

        first.close();
        Timing.await("the other instance keeps the history").until(() -> second.core().keeper.holds());
        for (int i = 0; i < size + 3; i++) {
            run(second, 0);
        }
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        assertThat(curator.getChildren().forPath(HISTORY)).hasSize(size);
    }

    @Test
    void aDecidedTransactionsOutcomeIsReadFromItsZnodesUntilItIsCollected() throws Exception {
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        a.commitGate = new CountDownLatch(1);

        Outcome outcome = run(coordinator, 2);
        Outcome live = coordinator.outcome(outcome.txnId()).orElseThrow();
        assertThat(TxnTesting.transactions(curator)).containsExactly(outcome.txnId());
        assertThat(live.isCommitted()).isTrue();
        assertThat(live.votes()).isEqualTo(outcome.votes());
        assertThat(live.finishedAt()).as("participants are still applying it").isEmpty();
        a.commitGate.countDown();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));

        assertThat(coordinator.outcome(outcome.txnId()).orElseThrow().finishedAt()).isPresent();
        assertThat(coordinator.admin().forget(outcome.txnId())).isTrue();
        assertThat(coordinator.admin().forget(outcome.txnId())).isFalse();
        assertThat(coordinator.outcome(outcome.txnId())).isEmpty();
        assertThat(coordinator.outcome("not-a-txn-id")).isEmpty();
    }

    @Test
    void anUndecidedTransactionHasNoOutcomeYet() throws Exception {
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        a.gate = new CountDownLatch(1);
        CompletableFuture<Outcome> future = coordinator.begin().branch("a", new byte[] {0}).branch("b", new byte[] {0})
                .commitAsync();
        Timing.await("a is preparing").until(() -> a.prepares.get() == 1);
        String txnId = TxnTesting.transactions(curator).get(0);

        assertThat(coordinator.outcome(txnId)).isEmpty();
        assertThat(coordinator.state(txnId)).contains(TransactionState.PREPARING);
        a.gate.countDown();
        assertThat(future.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS).isCommitted()).isTrue();
    }

    @Test
    void aDamagedEntryIsReportedWithItsIdAndSkippedInTheList() throws Exception {
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(curator));
        Outcome good = run(coordinator, 0);
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        String damaged = "tx-000000000001-0000000000000001";
        curator.create().forPath(HISTORY + "/000000000001-" + damaged, "garbage".getBytes(StandardCharsets.UTF_8));
        curator.create().forPath(HISTORY + "/foreign-node");

        assertThatThrownBy(() -> coordinator.outcome(damaged)).isInstanceOf(TransactionException.class)
                .hasMessageContaining(damaged).hasMessageContaining("history entry");
        assertThat(coordinator.admin().recentOutcomes()).extracting(Outcome::txnId).containsExactly(good.txnId());
        assertThat(run(coordinator, 2).isCommitted()).as("collects go on").isTrue();
        TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
        assertThat(coordinator.problems()).isEmpty();
    }

    @Test
    void theHistorySizeComesFromBatonConfigurationAndZeroKeepsNone() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("baton.zookeeper.connect", zk.connectString());
        config.put("baton.txn.history-size", "0");
        try (TransactionCoordinator coordinator = TransactionCoordinator.open(config)) {
            Outcome outcome = run(coordinator, 0);
            TxnTesting.awaitAllCollected(curator, Duration.ofSeconds(10));
            assertThat(coordinator.outcome(outcome.txnId())).isEmpty();
            assertThat(coordinator.admin().recentOutcomes()).isEmpty();
        }
        config.put("baton.txn.history-size", "10001");
        assertThatThrownBy(() -> TransactionCoordinator.open(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.txn.history-size");
        assertThatThrownBy(() -> TransactionCoordinator.builder(curator).historySize(-1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
