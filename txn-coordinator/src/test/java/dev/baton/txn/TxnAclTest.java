package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.participant.ParticipantHost;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With {@code baton.zookeeper.auth}, a coordinator's transaction nodes, and those of a host built
 * on it, can be read by anyone and changed only with the credentials.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TxnAclTest {

    /** A server per test: the ACLs a test leaves on the root must not meet the next test. */
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();

    @Test
    void authGuardsTransactionNodesAndAHostOnTheCoordinatorSharesIt() throws Exception {
        Map<String, String> config = Map.of("baton.zookeeper.connect", zk.connectString(),
                "baton.zookeeper.session-timeout", TxnTesting.sessionTimeout().toMillis() + "ms",
                "baton.zookeeper.auth", "baton:s3cret");
        CuratorFramework anonymous = TxnTesting.client(zk);
        MemoryParticipant a = new MemoryParticipant();
        a.gate = new CountDownLatch(1);
        try (TransactionCoordinator coordinator = TransactionCoordinator.open(config);
                ParticipantHost host = ParticipantHost.builder(coordinator).participant("a", a).start()) {
            CompletableFuture<Outcome> outcome = coordinator.begin().branch("a", new byte[1]).commitAsync();
            Timing.await("the participant is asked to prepare").until(() -> a.prepares.get() == 1);

            List<String> open = TxnTesting.transactions(anonymous);
            assertThat(open).hasSize(1);
            String record = TxnTesting.TXNS + "/" + open.get(0);
            assertThat(anonymous.getData().forPath(record)).as("anyone may read").isNotEmpty();
            assertThatThrownBy(() -> anonymous.create().forPath(record + "/decision",
                    "ABORT".getBytes(StandardCharsets.UTF_8))).isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> anonymous.setData().forPath(record, new byte[1]))
                    .isInstanceOf(KeeperException.NoAuthException.class);
            assertThatThrownBy(() -> anonymous.create().forPath("/baton/participants/a/live/intruder"))
                    .as("the host's nodes, on the coordinator's session and ACL")
                    .isInstanceOf(KeeperException.NoAuthException.class);

            a.gate.countDown();
            assertThat(outcome.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS).isCommitted()).isTrue();
        }
    }
}
