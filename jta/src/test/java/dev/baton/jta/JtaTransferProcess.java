package dev.baton.jta;

import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.io.IOException;
import java.time.Duration;
import java.util.Random;
import org.apache.curator.framework.CuratorFramework;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.UnexpectedRollbackException;

/**
 * The child process of {@link JtaCrashTest}: a Spring application ({@link BankConfig}) on
 * {@link BatonJta} moving money between the two bank databases with {@code @Transactional}
 * transfers on several threads, until it is killed. One line per event on stdout: {@code READY};
 * then per transfer {@code COMMITTING <txnId>} (its commit starts), and how it ended:
 * {@code COMMITTED <txnId>}, {@code ABORTED <txnId> <why>}, {@code UNKNOWN <txnId> <why>}, or
 * {@code ERROR <what>} for anything else. It exits when its parent goes (stdin closes), so a dead
 * test leaves no process behind.
 *
 * <p>Arguments: ZooKeeper connect string, PostgreSQL port, random seed, threads, session timeout in ms.
 */
public final class JtaTransferProcess {

    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();

    private JtaTransferProcess() {
    }

    public static void main(String[] args) throws Exception {
        exitWhenTheParentGoes();
        String connect = args[0];
        int pgPort = Integer.parseInt(args[1]);
        long seed = Long.parseLong(args[2]);
        int threads = Integer.parseInt(args[3]);
        Duration session = Duration.ofMillis(Long.parseLong(args[4]));
        CuratorFramework curator = ZooKeeperServerExtension.connectedCurator(connect, session);
        BatonJta jta = JtaTesting.bank(curator, pgPort).poolSize(threads + 2).defaultTimeout(Duration.ofSeconds(10))
                .start();
        AnnotationConfigApplicationContext context = BankConfig.context(jta, new TransferService.Listener() {
            @Override
            public void begun(String txnId) {
                CURRENT.set(txnId);
            }

            @Override
            public void committing(String txnId) {
                say("COMMITTING " + txnId);
            }
        });
        TransferService bank = context.getBean(TransferService.class);
        say("READY");
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            Thread worker = new Thread(() -> transfer(bank, random), "transfers-" + t);
            worker.start();
        }
    }

    private static void transfer(TransferService bank, Random random) {
        while (true) {
            CURRENT.remove();
            long amount = (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(400));
            try {
                String txnId = bank.transfer(1 + random.nextInt(Bank.ACCOUNTS), 1 + random.nextInt(Bank.ACCOUNTS),
                        amount);
                say("COMMITTED " + txnId);
            } catch (TransferService.InsufficientFundsException | UnexpectedRollbackException
                    | DataAccessException e) {
                say("ABORTED " + CURRENT.get() + " " + oneLine(e));
            } catch (TransactionSystemException e) {
                say("UNKNOWN " + CURRENT.get() + " " + oneLine(e) + " / " + oneLine(e.getMostSpecificCause()));
            } catch (RuntimeException e) {
                say("ERROR " + CURRENT.get() + " " + oneLine(e));
            }
        }
    }

    private static String oneLine(Throwable e) {
        return String.valueOf(e).replace('\n', ' ');
    }

    private static synchronized void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void exitWhenTheParentGoes() {
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the parent writes nothing; read() returns -1 once it is gone
                }
            } catch (IOException e) {
                // the pipe broke: the parent is gone too
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}
