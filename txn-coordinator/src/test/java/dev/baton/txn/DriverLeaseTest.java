package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.participant.ParticipantHost;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The driver role is a lease through Baton's lock API: the instance that begins a transaction holds
 * it, its token is the lease node's czxid, other instances only watch, and when the holder loses it
 * the holder stops and another instance carries on from the znodes.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class DriverLeaseTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework inspector;
    private final MemoryParticipant a = new MemoryParticipant();
    private final MemoryParticipant b = new MemoryParticipant();

    @BeforeEach
    void start() {
        inspector = TxnTesting.client(zk);
        a.gate = new CountDownLatch(1);
        zk.closeAfter(ParticipantHost.builder(TxnTesting.client(zk))
                .participant("a", a).participant("b", b).abortGrace(Duration.ofSeconds(5)).start());
    }

    @AfterEach
    void stop() throws Exception {
        a.gate.countDown();
    }

    private static StepListener recordInto(Set<String> steps) {
        return (step, txnId) -> steps.add(step + " " + txnId);
    }

    private List<String> driverQueue(String txnId) throws Exception {
        return inspector.getChildren().forPath(TxnTesting.TXNS + "/" + txnId).stream().filter(CallerQueues::isQueueNode)
                .toList();
    }

    @Test
    void theBeginningInstanceHoldsTheLeaseWithItsNodesCzxidAndAnotherOnlyWatches() throws Exception {
        TransactionCoordinator first = zk.closeAfter(TransactionCoordinator.start(TxnTesting.client(zk)));
        TransactionCoordinator second = zk.closeAfter(TransactionCoordinator.start(TxnTesting.client(zk)));

        CompletableFuture<Outcome> future = first.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(20)).commitAsync();
        Timing.await("a is preparing").until(() -> a.prepares.get() == 1);
        String txnId = TxnTesting.transactions(inspector).get(0);
        Timing.await("the second instance follows the transaction").until(() -> second.core().knownTransactions() == 1);

        List<String> queue = driverQueue(txnId);
        assertThat(queue).singleElement().matches(CallerQueues::isQueueNode);
        long czxid = inspector.checkExists().forPath(TxnTesting.TXNS + "/" + txnId + "/" + queue.get(0)).getCzxid();
        assertThat(first.driverToken(txnId)).isEqualTo(czxid);
        assertThat(inspector.checkExists().forPath(TxnTesting.TXNS + "/" + txnId).getCzxid())
                .as("the lease node was created by the begin multi").isEqualTo(czxid);
        assertThat(second.driverToken(txnId)).isEqualTo(-1);

        a.gate.countDown();
        assertThat(future.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS).isCommitted()).isTrue();
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(first.outcome(txnId)).hasValueSatisfying(o -> assertThat(o.isCommitted()).isTrue());
    }

    @Test
    void aDriverCutOffFromZooKeeperStopsAtOnceAndAnotherInstanceFinishesFromTheZnodes() throws Exception {
        TcpProxy proxy = zk.closeAfter(TcpProxy.start(new InetSocketAddress("127.0.0.1", zk.port())));
        Set<String> firstSteps = ConcurrentHashMap.newKeySet();
        Set<String> secondSteps = ConcurrentHashMap.newKeySet();
        CuratorFramework cutOff = zk.closeAfter(TxnTesting.client("127.0.0.1:" + proxy.port()));
        TransactionCoordinator first = zk.closeAfter(TransactionCoordinator.builder(cutOff).steps(recordInto(firstSteps)).start());
        TransactionCoordinator second = zk.closeAfter(TransactionCoordinator.builder(TxnTesting.client(zk)).steps(recordInto(secondSteps)).start());

        CompletableFuture<Outcome> future = first.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(20)).commitAsync();
        Timing.await("a is preparing").until(() -> a.prepares.get() == 1);
        String txnId = TxnTesting.transactions(inspector).get(0);
        long firstToken = Timing.await().until(() -> first.driverToken(txnId), token -> token > 0);

        proxy.cut();
        Timing.await("the cut-off instance gave the lease up").until(() -> first.driverToken(txnId) == -1);
        long secondToken = Timing.await("the other instance took over").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .until(() -> second.driverToken(txnId), token -> token > 0);
        a.gate.countDown();
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(20));

        assertThat(secondToken).isGreaterThan(firstToken);
        assertThat(secondSteps).contains(Step.DECIDED + " " + txnId, Step.COLLECTED + " " + txnId);
        assertThat(firstSteps).as("no step after the lease was lost").doesNotContain(Step.DECIDING + " " + txnId,
                Step.DECIDED + " " + txnId, Step.COLLECTED + " " + txnId);
        assertThat(a.committed(txnId) && b.committed(txnId)).isTrue();
        proxy.restore();
        Timing.await("the cut-off instance reads the outcome once back").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .ignoreExceptions().until(() -> first.outcome(txnId).map(Outcome::isCommitted).orElse(false));
        if (future.isDone() && !future.isCompletedExceptionally()) {
            assertThat(future.join().isCommitted()).isTrue();
        }
    }

    @Test
    void aDeletedLeaseNodeIsALossAndTheTransactionGoesOnUnderANewLeaseWithAGreaterToken() throws Exception {
        TransactionCoordinator first = zk.closeAfter(TransactionCoordinator.start(TxnTesting.client(zk)));
        TransactionCoordinator second = zk.closeAfter(TransactionCoordinator.start(TxnTesting.client(zk)));
        CompletableFuture<Outcome> future = first.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(20)).commitAsync();
        Timing.await("a is preparing").until(() -> a.prepares.get() == 1);
        String txnId = TxnTesting.transactions(inspector).get(0);
        long firstToken = first.driverToken(txnId);
        String node = TxnTesting.TXNS + "/" + txnId + "/" + driverQueue(txnId).get(0);

        inspector.delete().forPath(node);

        long nextToken = Timing.await("one instance holds a new lease").until(
                () -> Math.max(first.driverToken(txnId), second.driverToken(txnId)), token -> token > firstToken);
        assertThat(Math.min(first.driverToken(txnId), second.driverToken(txnId))).as("only one holds it").isEqualTo(-1);
        // The loser of the race queued too, saw the winner first and withdraws its node.
        Timing.await("the losing instance's node is withdrawn").until(() -> driverQueue(txnId).size() == 1);
        a.gate.countDown();
        assertThat(future.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS).isCommitted()).isTrue();
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(nextToken).isGreaterThan(firstToken);
        assertThat(a.committed(txnId) && b.committed(txnId)).isTrue();
    }

    @Test
    void closingTheDriverReleasesItsLeaseAndTheOtherInstanceTakesOverAtOnce() throws Exception {
        TransactionCoordinator first = TransactionCoordinator.start(TxnTesting.client(zk));
        TransactionCoordinator second = zk.closeAfter(TransactionCoordinator.start(TxnTesting.client(zk)));
        first.begin().branch("a", new byte[1]).branch("b", new byte[1]).timeout(Duration.ofSeconds(20)).commitAsync();
        Timing.await("a is preparing").until(() -> a.prepares.get() == 1);
        String txnId = TxnTesting.transactions(inspector).get(0);
        long firstToken = first.driverToken(txnId);

        first.close();

        // The first instance's session stays open: only the released lease lets the second take over.
        long secondToken = Timing.await("taken over").until(() -> second.driverToken(txnId), token -> token > 0);
        assertThat(secondToken).isGreaterThan(firstToken);
        assertThat(driverQueue(txnId)).hasSize(1);
        a.gate.countDown();
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(second.outcome(txnId)).hasValueSatisfying(o -> assertThat(o.isCommitted()).isTrue());
    }
}
