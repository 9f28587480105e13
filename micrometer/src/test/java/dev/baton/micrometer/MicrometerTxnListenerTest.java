package dev.baton.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.Vote;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.participant.Participant;
import dev.baton.txn.participant.ParticipantHost;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The transaction meters after real transactions against a real ZooKeeper server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MicrometerTxnListenerTest {

    private static TestingServer zookeeper;

    private final java.util.List<AutoCloseable> closing = new java.util.ArrayList<>();
    private MeterRegistry registry;
    private MicrometerTxnListener metrics;
    private volatile CountDownLatch holdPrepare = new CountDownLatch(0);

    /** Votes NO for a payload of 1, and holds its prepare while {@link #holdPrepare} is up. */
    private final Participant payments = new Participant() {
        @Override
        public Vote prepare(Branch branch) throws Exception {
            holdPrepare.await(30, TimeUnit.SECONDS);
            return branch.payload()[0] == 1 ? Vote.no("refused on purpose") : Vote.yes();
        }

        @Override
        public void commit(Branch branch) {
        }

        @Override
        public void abort(Branch branch) {
        }
    };

    private final Participant orders = new Participant() {
        @Override
        public Vote prepare(Branch branch) {
            return Vote.yes();
        }

        @Override
        public void commit(Branch branch) {
        }

        @Override
        public void abort(Branch branch) {
        }
    };

    @BeforeAll
    static void startServer() throws Exception {
        zookeeper = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, 0, null, "127.0.0.1"), true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (zookeeper != null) {
            zookeeper.close();
        }
    }

    @BeforeEach
    void newRegistry() {
        registry = new SimpleMeterRegistry();
        metrics = new MicrometerTxnListener(registry);
    }

    @AfterEach
    void close() throws Exception {
        holdPrepare.countDown();
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
        registry.close();
    }

    private CuratorFramework client() {
        CuratorFramework client = CuratorFrameworkFactory.builder().connectString(zookeeper.getConnectString())
                .sessionTimeoutMs(10_000).retryPolicy(new RetryOneTime(100)).build();
        client.start();
        closing.add(client);
        return client;
    }

    private TransactionCoordinator coordinator(String root) {
        TransactionCoordinator coordinator = TransactionCoordinator.builder(client())
                .options(dev.baton.lock.zookeeper.ZooKeeperLockOptions.defaults().withRootPath(root))
                .listener(metrics).start();
        closing.add(coordinator);
        return coordinator;
    }

    private ParticipantHost host(TransactionCoordinator coordinator) {
        ParticipantHost host = ParticipantHost.builder(coordinator).listener(metrics).participant("orders", orders)
                .participant("payments", payments).start();
        closing.add(host);
        return host;
    }

    @Test
    void commitsOutcomesPreparesAndAppliesAreCountedByHowTheyEnded() throws Exception {
        TransactionCoordinator coordinator = coordinator("/metrics-outcomes");
        host(coordinator);
        metrics.bindTo(coordinator);
        for (int payload : new int[] {0, 1, 2}) {
            coordinator.begin().branch("orders", new byte[] {(byte) payload})
                    .branch("payments", new byte[] {(byte) payload}).commit();
        }

        assertThat(registry.get(MicrometerTxnListener.COMMIT).tags("path", "distributed", "outcome", "committed")
                .timer().count()).isEqualTo(2);
        assertThat(registry.get(MicrometerTxnListener.COMMIT).tags("outcome", "aborted").timer().count()).isEqualTo(1);
        Timing.await("every transaction is collected and counted once").until(() ->
                registry.find(MicrometerTxnListener.OUTCOMES).counters().stream().mapToDouble(c -> c.count()).sum() == 3);
        assertThat(registry.get(MicrometerTxnListener.OUTCOMES).tags("state", "committed", "cause", "all-prepared")
                .counter().count()).isEqualTo(2);
        assertThat(registry.get(MicrometerTxnListener.OUTCOMES).tags("state", "aborted", "cause", "refused")
                .counter().count()).isEqualTo(1);
        assertThat(registry.get(MicrometerTxnListener.PREPARE).tags("participant", "payments", "vote", "no")
                .timer().count()).isEqualTo(1);
        assertThat(registry.get(MicrometerTxnListener.PREPARE).tags("participant", "orders", "vote", "yes")
                .timer().count()).isEqualTo(3);
        Timing.await("every decision is applied").until(() -> registry.find(MicrometerTxnListener.APPLY)
                .tags("participant", "orders").timers().stream().mapToLong(t -> t.count()).sum() == 3);
        assertThat(registry.get(MicrometerTxnListener.APPLY).tags("participant", "orders", "decision", "commit")
                .timer().count()).isEqualTo(2);
        Timing.await("nothing stays open").until(() -> registry.get(MicrometerTxnListener.OPEN).gauge().value() == 0);
    }

    @Test
    void aBranchVotedYesWaitsInDoubtUntilTheDecisionAndATakeoverIsCounted() throws Exception {
        TransactionCoordinator first = coordinator("/metrics-in-doubt");
        ParticipantHost host = host(first);
        metrics.bindTo(host);
        holdPrepare = new CountDownLatch(1);
        CompletableFuture<Outcome> commit = first.begin().branch("orders", new byte[] {0})
                .branch("payments", new byte[] {0}).commitAsync();

        Timing.await("orders voted YES and waits for the decision").until(() ->
                registry.get(MicrometerTxnListener.IN_DOUBT).tags("participant", "orders").gauge().value() == 1);
        assertThat(registry.get(MicrometerTxnListener.IN_DOUBT).tags("participant", "payments").gauge().value())
                .isZero();
        Timing.await("the oldest in-doubt branch ages").until(() -> registry.get(
                MicrometerTxnListener.IN_DOUBT_OLDEST).tags("participant", "orders").gauge().value() > 0);

        TransactionCoordinator second = coordinator("/metrics-in-doubt");
        first.close(); // releases its driver lease: the second instance takes the transaction over
        assertThatThrownBy(() -> commit.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(OutcomeUnknownException.class);
        assertThat(registry.get(MicrometerTxnListener.COMMIT).tags("outcome", "unknown").timer().count()).isEqualTo(1);
        holdPrepare.countDown();

        Timing.await("the second instance took over").until(() ->
                registry.find(MicrometerTxnListener.TAKEOVERS).tags("path", "distributed").counter() != null
                        && registry.get(MicrometerTxnListener.TAKEOVERS).counter().count() == 1);
        Timing.await("decided and applied: nothing in doubt").until(() ->
                registry.get(MicrometerTxnListener.IN_DOUBT).tags("participant", "orders").gauge().value() == 0);
        Timing.await("the transaction is counted once, by the instance that collected it").until(() ->
                registry.find(MicrometerTxnListener.OUTCOMES).tags("cause", "all-prepared").counter() != null);
        assertThat(second.openTransactions()).isLessThanOrEqualTo(1);
    }
}
