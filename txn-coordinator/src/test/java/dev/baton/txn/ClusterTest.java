package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperEnsembleExtension;
import dev.baton.txn.participant.ParticipantHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A real three-node ensemble whose leader is killed while transactions are in flight. */
@Tag("slow")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClusterTest {

    private static final int TICK_MILLIS = 300;
    private static final int BATCHES = 12;
    private static final int BATCH_SIZE = 5;

    @RegisterExtension
    final ZooKeeperEnsembleExtension ensemble = ZooKeeperEnsembleExtension.of(3).tickMillis(TICK_MILLIS);

    private CuratorFramework client() {
        return ensemble.closeAfter(TxnTesting.client(ensemble.connectString(), Timing.scaled(Duration.ofSeconds(5))));
    }

    @Test
    void killingTheLeaderMidRunLeavesEveryTransactionAtomic() throws Exception {
        MemoryParticipant a = new MemoryParticipant();
        MemoryParticipant b = new MemoryParticipant();
        b.voter = branch -> branch.payload()[0] % 4 == 0 ? Vote.no("every fourth") : Vote.yes();
        CuratorFramework inspector = client();
        ensemble.closeAfter(ParticipantHost.builder(client()).participant("a", a).participant("b", b)
                .abortGrace(Duration.ofSeconds(2)).start());
        TransactionCoordinator coordinator = ensemble.closeAfter(TransactionCoordinator.start(client()));

        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        int failed = 0;
        for (int batch = 0; batch < BATCHES; batch++) {
            List<CompletableFuture<Outcome>> inFlight = new ArrayList<>();
            for (int i = 0; i < BATCH_SIZE; i++) {
                byte[] payload = {(byte) (batch * BATCH_SIZE + i)};
                inFlight.add(coordinator.begin().branch("a", payload).branch("b", payload)
                        .timeout(Duration.ofSeconds(15)).commitAsync());
            }
            if (batch == BATCHES / 3) {
                assertThat(ensemble.cluster().killServer(ensemble.leader().getInstanceSpec())).isTrue();
            }
            for (CompletableFuture<Outcome> future : inFlight) {
                try {
                    future.get(Timing.scaledMillis(60_000), TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(TransactionException.class);
                    failed++;
                }
            }
            futures.addAll(inFlight);
        }
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(60));

        Set<String> txnIds = new HashSet<>(a.txnIds());
        txnIds.addAll(b.txnIds());
        for (String txnId : txnIds) {
            assertThat(a.settled(txnId) && b.settled(txnId)).as("%s finished", txnId).isTrue();
            assertThat(a.committed(txnId)).as("%s atomic", txnId).isEqualTo(b.committed(txnId));
        }
        int committed = 0;
        for (CompletableFuture<Outcome> future : futures) {
            if (!future.isCompletedExceptionally()) {
                Outcome outcome = future.join();
                assertThat(a.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
                committed += outcome.isCommitted() ? 1 : 0;
            }
        }
        System.out.printf("CLUSTER transactions=%d committed=%d caller-errors=%d%n", futures.size(), committed, failed);
        assertThat(committed).isPositive();
        assertThat(a.violations).isEmpty();
        assertThat(b.violations).isEmpty();
    }
}
