package dev.baton.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.soak.cluster.BankServers;
import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.xa.XaParticipant;
import dev.baton.txn.xa.XaWork;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.xa.PGXADataSource;

/**
 * Reproducer for the 2PC soak's second finding (RELIABILITY.md, weak spot 11): on the distributed
 * path, a participant host stopped between its branch's work and its prepare, while the other
 * participant voted NO, prepares after the transaction was aborted and collected, and leaves its
 * branch prepared in PostgreSQL (holding its row locks) until the host restarts.
 *
 * <p>Host 1 alone hosts {@code bank_a}, through a {@link TcpProxy} that its branch's work
 * blackholes, and the work then waits (a stopped host) before returning to the prepare; host 2
 * hosts {@code bank_b}, whose branch votes NO. Once host 1's session has expired, host 3 starts
 * with {@code bank_a} (the stand-by that finishes the branch), the transaction is aborted and
 * collected; then host 1's work returns, its branch prepares, and host 1 is let back. Expected:
 * nothing prepared in either bank: the task that prepared after its transaction was acknowledged
 * elsewhere rolls its attempt back ({@code BranchTask.unvoted}). Failed 2 of 2 before the fix.
 */
@Tag("slow")
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OrphanedPreparedBranchTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();
    /** The databases' directory, deleted after the test. */
    @TempDir
    Path dir;

    @Test
    void aBranchPreparedBeforeItsHostLostItsSessionIsRolledBackWhenTheOtherVotedNo() throws Exception {
        Duration session = ZooKeeperServerExtension.sessionTimeout();
        try (BankServers banks = BankServers.start(dir, 2);
             TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", ZK.port()))) {
            Map<String, String> direct = config(ZK.connectString(), session);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch aWorked = new java.util.concurrent.CountDownLatch(1);
            XaWork cutOffAfterWork = (connection, branch) -> {
                Vote vote = work(connection, branch);
                proxy.blackhole(); // the YES vote will not reach ZooKeeper
                aWorked.countDown();
                try {
                    // a host stopped (SIGSTOP, a long GC) between its work and its prepare
                    release.await(90, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return vote; // prepared now: after the transaction was aborted and collected
            };
            ParticipantHost host1 = host(config(proxy.address().getHostString() + ":" + proxy.port(), session),
                    "bank_a", banks, cutOffAfterWork);
            XaWork slowNo = (connection, branch) -> {
                try {
                    aWorked.await(60, TimeUnit.SECONDS); // bank_a's work is done and cut off; then this NO writes the ABORT
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return work(connection, branch);
            };
            ParticipantHost host2 = host(direct, "bank_b", banks, slowNo);
            TransactionCoordinator coordinator = TransactionCoordinator.open(direct);
            ParticipantHost host3 = null;
            try {
                var commit = coordinator.begin().timeout(Duration.ofSeconds(20))
                        .branch("bank_a", payload(1, 10))
                        .branch("bank_b", payload(1, -1_000_000)) // insufficient funds: NO
                        .commitAsync();
                Outcome outcome = commit.get(30, TimeUnit.SECONDS);
                assertEquals(TransactionState.ABORTED, outcome.state(), outcome.reason());
                Timing.await("host 1's session expires on the server: bank_a has no live instance")
                        .atMost(Timing.scaled(Duration.ofSeconds(30)))
                        .until(() -> children("/baton/participants/bank_a/live").isEmpty());
                host3 = host(direct, "bank_a", banks, OrphanedPreparedBranchTest::work);
                Timing.await("the transaction is finished and collected")
                        .atMost(Timing.scaled(Duration.ofSeconds(60)))
                        .until(() -> openTransactions().isEmpty());
                release.countDown();
                Timing.await("host 1 prepares its branch, late").atMost(Timing.scaled(Duration.ofSeconds(20)))
                        .until(() -> banks.prepared("bank_a").size() == 1);
                proxy.restore();
                Timing.await("nothing is left prepared").atMost(Timing.scaled(Duration.ofSeconds(30)))
                        .until(() -> banks.preparedEverywhere().isEmpty());
                assertTrue(banks.preparedEverywhere().isEmpty());
            } finally {
                System.out.println("ORPHAN prepared at the end: " + banks.preparedEverywhere());
                coordinator.close();
                host1.close();
                host2.close();
                if (host3 != null) {
                    host3.close();
                }
            }
        }
    }

    private static Vote work(java.sql.Connection connection, dev.baton.txn.participant.Branch branch)
            throws java.sql.SQLException {
        String[] parts = new String(branch.payload(), StandardCharsets.UTF_8).split(":");
        return TransferWorker.apply(connection, branch.txnId(), Integer.parseInt(parts[0]), Long.parseLong(parts[1]))
                ? Vote.yes() : Vote.no("insufficient funds");
    }

    private static ParticipantHost host(Map<String, String> config, String bank, BankServers banks, XaWork work) {
        PGXADataSource ds = new PGXADataSource();
        ds.setUrl(BankServers.url(banks.ports().get(bank), bank));
        return ParticipantHost.builder(config).participant(bank, new XaParticipant(ds, work))
                .abortGrace(Duration.ofSeconds(1)).start();
    }

    private static Map<String, String> config(String connect, Duration session) {
        return Map.of("baton.zookeeper.connect", connect,
                "baton.zookeeper.session-timeout", session.toMillis() + "ms",
                "baton.zookeeper.connection-timeout", "1s");
    }

    private static byte[] payload(int account, long delta) {
        return (account + ":" + delta).getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> openTransactions() throws Exception {
        return children("/baton/txn");
    }

    private static List<String> children(String path) throws Exception {
        org.apache.zookeeper.ZooKeeper zk = new org.apache.zookeeper.ZooKeeper(ZK.connectString(), 10_000, e -> { });
        try {
            Timing.await("connected").until(() -> zk.getState().isConnected());
            return zk.exists(path, false) == null ? List.of() : zk.getChildren(path, false);
        } finally {
            zk.close();
        }
    }
}
