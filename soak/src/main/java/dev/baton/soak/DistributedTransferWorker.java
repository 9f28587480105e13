package dev.baton.soak;

import dev.baton.soak.cluster.BankServers;
import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A coordinator JVM of the distributed 2PC workload ({@code --backend 2pc}), the public API only:
 * {@link TransactionCoordinator#open(Map)}, and in a loop a transfer between the two banks'
 * participants ({@code bank_a}, {@code bank_b}, hosted by {@link ParticipantWorker} JVMs), each
 * branch's payload {@code account:delta}. The transaction id is known only once {@code commit()}
 * returns or throws, so {@code TXB} and {@code TXO} are sent together then; a coordinator killed
 * mid-commit leaves neither (the banks still show what happened, and the checker compares them).
 *
 * <p>Arguments: {@code harnessPort name accounts key=value...}; stops when stdin closes.
 */
public final class DistributedTransferWorker {

    private static final Duration TXN_TIMEOUT = Duration.ofSeconds(10);

    private DistributedTransferWorker() {
    }

    /** Entry point of the coordinator JVM. */
    public static void main(String[] args) throws Exception {
        WorkerLink link = WorkerLink.connect(Integer.parseInt(args[0]), args[1]);
        int accounts = Integer.parseInt(args[2]);
        Map<String, String> config = WorkerLink.config(args, 3);
        TransactionCoordinator coordinator = link.retry("open-failed", () -> TransactionCoordinator.open(config));
        link.send("READY", link.name(), Long.toString(Micros.now()));
        while (!link.stopping()) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int fromIndex = random.nextInt(2);
            String from = BankServers.BANKS.get(fromIndex);
            String to = BankServers.BANKS.get(1 - fromIndex);
            int fromAccount = 1 + random.nextInt(accounts);
            int toAccount = 1 + random.nextInt(accounts);
            long amount = 1 + random.nextInt(300);
            long start = Micros.now();
            String outcome;
            String txnId;
            String detail;
            try {
                Outcome o = coordinator.begin().timeout(TXN_TIMEOUT)
                        .branch(from, payload(fromAccount, -amount)).branch(to, payload(toAccount, amount)).commit();
                txnId = o.txnId();
                outcome = o.state() == TransactionState.COMMITTED ? "COMMITTED" : "ABORTED";
                detail = String.valueOf(o.reason());
            } catch (OutcomeUnknownException e) {
                txnId = e.txnId().orElse("-");
                outcome = "UNKNOWN";
                detail = WorkerLink.oneLine(e);
            } catch (TransactionException e) {
                txnId = e.txnId().orElse("-");
                outcome = "FAILED";
                detail = WorkerLink.oneLine(e);
            } catch (IllegalArgumentException | IllegalStateException e) {
                // refused before anything was written (no live participant instance, say)
                link.send("NOTE", link.name(), Long.toString(Micros.now()), "transfer-refused", WorkerLink.oneLine(e));
                WorkerLink.sleep(100);
                continue;
            }
            if (txnId.equals("-")) {
                link.send("NOTE", link.name(), Long.toString(Micros.now()), "transfer-" + outcome.toLowerCase(), detail);
                continue;
            }
            link.send("TXB", link.name(), txnId, Long.toString(start), from + ":" + fromAccount, to + ":" + toAccount,
                    Long.toString(amount));
            link.send("TXO", link.name(), txnId, Long.toString(start), Long.toString(Micros.now()), outcome,
                    detail.replace('\t', ' ').replace('\n', ' '));
        }
        coordinator.close();
        link.send("BYE", link.name(), Long.toString(Micros.now()));
        link.close();
        System.exit(0);
    }

    private static byte[] payload(int account, long delta) {
        return (account + ":" + delta).getBytes(StandardCharsets.UTF_8);
    }
}
