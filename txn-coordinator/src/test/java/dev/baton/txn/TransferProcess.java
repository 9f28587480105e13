package dev.baton.txn;

import dev.baton.lock.testkit.Timing;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.xa.XaParticipant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.apache.curator.framework.CuratorFramework;

/**
 * The child process of {@link ProcessCrashTest}: a coordinator and a participant host for two
 * bank databases, moving money between them. It prints one line per step on stdout:
 * {@code BEGIN n}, then {@code OUTCOME <txnId> COMMITTED|ABORTED} or {@code UNKNOWN <message>};
 * after {@code count} transfers it waits until every transaction is finished and no branch is left
 * prepared, prints {@code DRAINED} and exits 0. The test kills it with SIGKILL at random moments.
 *
 * <p>Arguments: ZooKeeper connect string, PostgreSQL port, random seed, number of transfers.
 */
public final class TransferProcess {

    private TransferProcess() {
    }

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int pgPort = Integer.parseInt(args[1]);
        Random random = new Random(Long.parseLong(args[2]));
        int count = Integer.parseInt(args[3]);
        CuratorFramework curator = TxnTesting.client(connect);
        XaParticipant a = new XaParticipant(Bank.dataSource(pgPort, "bank_a"), Bank::transfer);
        XaParticipant b = new XaParticipant(Bank.dataSource(pgPort, "bank_b"), Bank::transfer);
        ParticipantHost host = ParticipantHost.builder(curator).participant("bank-a", a).participant("bank-b", b)
                .abortGrace(Duration.ofSeconds(1)).start();
        TransactionCoordinator coordinator = TransactionCoordinator.builder(curator)
                .defaultTimeout(Duration.ofSeconds(3)).start();
        for (int i = 0; i < count; i++) {
            long amount = 1 + random.nextInt(400);
            boolean aToB = random.nextBoolean();
            int from = 1 + random.nextInt(Bank.ACCOUNTS);
            int to = 1 + random.nextInt(Bank.ACCOUNTS);
            say("BEGIN " + i);
            try {
                Outcome outcome = coordinator.begin()
                        .branch("bank-a", payload(aToB ? from : to, aToB ? -amount : amount))
                        .branch("bank-b", payload(aToB ? to : from, aToB ? amount : -amount))
                        .commit();
                say("OUTCOME " + outcome.txnId() + " " + outcome.state());
            } catch (TransactionException e) {
                say("UNKNOWN " + e.getMessage().replace('\n', ' '));
            }
        }
        drain(curator, pgPort);
        say("DRAINED");
        coordinator.close();
        host.close();
        a.close();
        b.close();
        curator.close();
    }

    private static byte[] payload(int account, long delta) {
        return (account + ":" + delta).getBytes(StandardCharsets.UTF_8);
    }

    /** Waits (bounded) until ZooKeeper holds no transaction and the databases no prepared branch. */
    private static void drain(CuratorFramework curator, int pgPort) {
        Timing.await("drained").atMost(Timing.scaled(Duration.ofSeconds(60))).pollInterval(Duration.ofMillis(50))
                .until(() -> TxnTesting.transactions(curator).isEmpty() && TxnTesting.inboxEntries(curator).isEmpty()
                        && Bank.prepared(pgPort).isEmpty());
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
