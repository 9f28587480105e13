package dev.baton.jta;

import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.xa.JtaXaHooks;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.transaction.HeuristicCompletionException;
import org.springframework.transaction.TransactionSystemException;
import org.springframework.transaction.UnexpectedRollbackException;

/**
 * The child process of {@link JtaCrashTest}: a Spring application ({@link BankConfig}, Spring's
 * own {@code JtaTransactionManager} on {@link BatonJta}) moving money between the two bank
 * databases with {@code @Transactional} transfers on a few threads.
 *
 * <p>One line per event on stdout: {@code READY}; {@code BEGIN <n> <txnId>} as the n-th transfer's
 * work starts; {@code COMMITTING <txnId>} as its commit starts ({@code beforeCompletion}); each
 * step of the commit it passes ({@code XA_PREPARED <txnId>}, {@code XA_DECIDED …},
 * {@code XA_COMMITTING …}, {@code XA_COMMITTED …}); and what the {@code @Transactional} caller was
 * told: {@code COMMITTED <txnId>} (the method returned), {@code ABORTED <txnId> <why>} (Spring
 * rolled back or was told the commit rolled back), {@code HEURISTIC <txnId> <why>},
 * {@code UNKNOWN <txnId> <why>} (Spring's {@code TransactionSystemException}), or {@code ERROR <what>}.
 *
 * <p>With a kill plan, the first commit to reach the planned point once transfer number
 * {@code killAt} has begun (that transfer's, unless it aborted before, or another thread's)
 * prints {@code KILLME <txnId>} and parks there; so does, silently, every other thread that
 * reaches any point after it. The test SIGKILLs the process exactly there. Without a
 * plan it runs {@code count} transfers per thread, prints {@code DONE}, closes everything and exits.
 * It also exits when its parent goes (stdin closes), so a dead test leaves no process behind.
 *
 * <p>Arguments: ZooKeeper connect string, PostgreSQL port, accounts, random seed, threads,
 * transfers per thread, and optionally the kill plan {@code <transfer number> <point>}, the point
 * being {@code COMMITTING} (work done, nothing prepared) or a {@link StepListener.Step} name.
 */
public final class JtaTransferProcess {

    private static final ThreadLocal<String> CURRENT = new ThreadLocal<>();
    private static final AtomicInteger BEGUN = new AtomicInteger();
    private static final AtomicBoolean PARKED = new AtomicBoolean();

    private JtaTransferProcess() {
    }

    public static void main(String[] args) throws Exception {
        exitWhenTheParentGoes();
        String connect = args[0];
        int pgPort = Integer.parseInt(args[1]);
        int accounts = Integer.parseInt(args[2]);
        long seed = Long.parseLong(args[3]);
        int threads = Integer.parseInt(args[4]);
        int count = Integer.parseInt(args[5]);
        int killAt = args.length > 7 ? Integer.parseInt(args[6]) : -1;
        String killPoint = args.length > 7 ? args[7] : "";
        CuratorFramework curator = ZooKeeperServerExtension.connectedCurator(connect,
                ZooKeeperServerExtension.sessionTimeout());
        StepListener steps = (step, txnId) -> reached(step.name(), txnId, killAt, killPoint);
        BatonJta jta = JtaTesting.bank(curator, pgPort).poolSize(threads + 2).defaultTimeout(Duration.ofSeconds(10))
                .recoveryInterval(Duration.ofSeconds(2))
                .xaTransactions(xa -> JtaXaHooks.steps(xa, steps))
                .start();
        AnnotationConfigApplicationContext context = BankConfig.context(jta, new TransferService.Listener() {
            @Override
            public void begun(String txnId) {
                CURRENT.set(txnId);
                say("BEGIN " + BEGUN.getAndIncrement() + " " + txnId);
            }

            @Override
            public void committing(String txnId) {
                reached("COMMITTING", txnId, killAt, killPoint);
            }
        });
        TransferService bank = context.getBean(TransferService.class);
        say("READY");
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Random random = new Random(seed + t);
            Thread worker = new Thread(() -> {
                for (int i = 0; i < count; i++) {
                    transfer(bank, accounts, random);
                }
            }, "transfers-" + t);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        say("DONE");
        context.close();
        jta.close();
        curator.close();
    }

    /** The commit of {@code txnId} is at {@code point}: park here if the plan says so, or if another thread did. */
    private static void reached(String point, String txnId, int killAt, String killPoint) {
        say(point + " " + txnId);
        if (PARKED.get()) {
            park();
        }
        if (killAt >= 0 && BEGUN.get() > killAt && point.equals(killPoint) && PARKED.compareAndSet(false, true)) {
            say("KILLME " + txnId);
            park();
        }
    }

    private static void transfer(TransferService bank, int accounts, Random random) {
        CURRENT.remove();
        long amount = (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(400));
        int accountA = 1 + random.nextInt(accounts);
        int accountB = 1 + random.nextInt(accounts);
        try {
            say("COMMITTED " + bank.transfer(accountA, accountB, amount));
        } catch (TransferService.InsufficientFundsException | UnexpectedRollbackException | DataAccessException e) {
            say("ABORTED " + CURRENT.get() + " " + oneLine(e));
        } catch (HeuristicCompletionException e) {
            say("HEURISTIC " + CURRENT.get() + " " + oneLine(e) + " / " + oneLine(e.getMostSpecificCause()));
        } catch (TransactionSystemException e) {
            say("UNKNOWN " + CURRENT.get() + " " + oneLine(e) + " / " + oneLine(e.getMostSpecificCause()));
        } catch (RuntimeException e) {
            say("ERROR " + CURRENT.get() + " " + oneLine(e));
        }
    }

    private static String oneLine(Throwable e) {
        return String.valueOf(e).replace('\n', ' ');
    }

    private static void park() {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
