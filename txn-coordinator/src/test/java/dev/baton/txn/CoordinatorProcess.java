package dev.baton.txn;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.framework.CuratorFramework;

/**
 * The child process of {@link ProcessPauseTest}: a coordinator only (the participants run
 * elsewhere), moving money between the two bank databases until a stop file appears, one
 * transfer at a time, at most one per {@code 50 ms}. One line per transfer on stdout:
 * {@code OUTCOME <txnId> COMMITTED|ABORTED}, {@code UNKNOWN <txnId>} (an
 * {@link OutcomeUnknownException}), {@code NOTBEGUN <txnId>} (any other
 * {@link TransactionException}: nothing was written) or {@code REFUSED <message>} (a bad request,
 * such as no live participant); then {@code STOPPED}.
 *
 * <p>Arguments: ZooKeeper connect string, random seed, stop file, history size.
 */
public final class CoordinatorProcess {

    private CoordinatorProcess() {
    }

    public static void main(String[] args) throws Exception {
        String connect = args[0];
        Random random = new Random(Long.parseLong(args[1]));
        Path stop = Path.of(args[2]);
        int historySize = Integer.parseInt(args[3]);
        CuratorFramework curator = TxnTesting.client(connect);
        TransactionCoordinator coordinator = TransactionCoordinator.builder(curator)
                .defaultTimeout(Duration.ofSeconds(3)).historySize(historySize).start();
        while (!Files.exists(stop)) {
            long started = System.nanoTime();
            long amount = 1 + random.nextInt(400);
            long aSide = random.nextBoolean() ? -amount : amount;
            try {
                Outcome outcome = coordinator.begin()
                        .branch("bank-a", payload(1 + random.nextInt(Bank.ACCOUNTS), aSide))
                        .branch("bank-b", payload(1 + random.nextInt(Bank.ACCOUNTS), -aSide)).commit();
                say("OUTCOME " + outcome.txnId() + " " + outcome.state());
            } catch (OutcomeUnknownException e) {
                say("UNKNOWN " + e.txnId().orElse("-") + " " + oneLine(e));
            } catch (TransactionException e) {
                say("NOTBEGUN " + e.txnId().orElse("-") + " " + oneLine(e));
            } catch (IllegalArgumentException | IllegalStateException e) {
                say("REFUSED " + oneLine(e));
            }
            LockSupport.parkNanos(Math.max(0, Duration.ofMillis(50).toNanos() - (System.nanoTime() - started)));
        }
        say("STOPPED");
        coordinator.close();
        curator.close();
    }

    private static byte[] payload(int account, long delta) {
        return (account + ":" + delta).getBytes(StandardCharsets.UTF_8);
    }

    private static String oneLine(Exception e) {
        return String.valueOf(e.getMessage()).replace('\n', ' ');
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
