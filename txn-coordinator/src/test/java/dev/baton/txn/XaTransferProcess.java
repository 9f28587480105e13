package dev.baton.txn;

import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.xa.XaHooks;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Random;
import org.apache.curator.framework.CuratorFramework;

/**
 * The child process of {@link XaProcessCrashTest}: moves money between the two bank databases on
 * the in-process XA path. It prints {@code BEGIN <i> <txnId>}, each step it passes
 * ({@code XA_PREPARED <txnId>}, {@code XA_DECIDED …}, {@code XA_COMMITTING …}, {@code XA_COMMITTED …}),
 * and {@code OUTCOME <txnId> COMMITTED|ABORTED} or {@code UNKNOWN <txnId> <message>}. With a kill
 * plan it prints {@code KILLME} at the planned step of the planned transfer (or of the next one
 * that gets there, if that one aborted early) and waits there for its SIGKILL, so the test kills it exactly between two steps. Without one it runs {@code count}
 * transfers and prints {@code DONE}.
 *
 * <p>Arguments: ZooKeeper connect string, PostgreSQL port, number of accounts, random seed, number
 * of transfers, and optionally the kill plan {@code <transfer index> [<step>]} (no step: before
 * the commit).
 */
public final class XaTransferProcess {

    private XaTransferProcess() {
    }

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        int pgPort = Integer.parseInt(args[1]);
        int accounts = Integer.parseInt(args[2]);
        Random random = new Random(Long.parseLong(args[3]));
        int count = Integer.parseInt(args[4]);
        int killAt = args.length > 5 ? Integer.parseInt(args[5]) : -1;
        Step killStep = args.length > 6 ? Step.valueOf(args[6]) : null;
        int[] current = {0};
        StepListener steps = (step, txnId) -> {
            say(step + " " + txnId);
            if (killAt >= 0 && current[0] >= killAt && step == killStep) {
                say("KILLME");
                park();
            }
        };
        CuratorFramework curator = TxnTesting.client(connect);
        XaTransactions xa = XaHooks.steps(XaTransactions.builder(curator)
                .resource("bank_a", Bank.dataSource(pgPort, "bank_a"))
                .resource("bank_b", Bank.dataSource(pgPort, "bank_b"))
                .recoveryGrace(Duration.ZERO).recoveryInterval(Duration.ofSeconds(2)), steps).start();
        for (int i = 0; i < count; i++) {
            current[0] = i;
            long amount = 1 + random.nextInt(300);
            int from = 1 + random.nextInt(accounts);
            int to = 1 + random.nextInt(accounts);
            boolean aToB = random.nextBoolean();
            try (XaTransaction tx = xa.begin(Duration.ofSeconds(10))) {
                say("BEGIN " + i + " " + tx.id());
                try {
                    if (!Bank.apply(tx.connection(aToB ? "bank_a" : "bank_b"), tx.id(), from, -amount)) {
                        tx.rollback();
                        say("OUTCOME " + tx.id() + " ABORTED");
                        continue;
                    }
                    Bank.apply(tx.connection(aToB ? "bank_b" : "bank_a"), tx.id(), to, amount);
                } catch (SQLException e) {
                    tx.rollback(); // a lock held by a branch the last incarnation left prepared, say
                    say("OUTCOME " + tx.id() + " ABORTED");
                    continue;
                }
                if (killAt >= 0 && i >= killAt && killStep == null) {
                    say("KILLME");
                    park();
                }
                try {
                    Outcome outcome = tx.commit();
                    say("OUTCOME " + outcome.txnId() + " " + outcome.state());
                } catch (OutcomeUnknownException e) {
                    say("UNKNOWN " + tx.id() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
                }
            }
        }
        say("DONE");
        xa.close();
        curator.close();
    }

    private static void park() {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
