package dev.baton.cli;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.txn.Outcome;
import dev.baton.txn.Vote;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * One demo phase: {@code workers} threads make {@code transfers} transfers between accounts in two
 * different banks. Each takes the two account locks in name order (no deadlock), checks their
 * fencing tokens, runs the transfer as an XA transaction on the in-process path (this process holds
 * every bank's data source, the placement that path is for, and its fastest), and releases the locks.
 */
final class TransferRun {

    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);
    private static final Duration TXN_TIMEOUT = Duration.ofSeconds(5);
    /** How long a worker waits for an outcome before it stops waiting and moves on. */
    private static final Duration CLIENT_PATIENCE = Duration.ofSeconds(15);

    private final LockClient locks;
    private final CoordinatorPool coordinators;

    private final int transfers;
    private final int workers;
    private final long seed;
    private final TransferStats stats;

    TransferRun(LockClient locks, CoordinatorPool coordinators, int transfers, int workers, long seed) {
        this.locks = locks;
        this.coordinators = coordinators;
        this.transfers = transfers;
        this.workers = workers;
        this.seed = seed;
        this.stats = new TransferStats(locks.backend());
    }

    /**
     * Runs the phase. {@code milestone} is called (on a worker thread, once each) when the transfer
     * with that index starts, so that faults land mid-run.
     */
    TransferStats run(PrintWriter out, IntConsumer milestone) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int worker = w;
            SplittableRandom random = new SplittableRandom(seed * 31 + w);
            running.add(pool.submit(() -> {
                for (int i = next.getAndIncrement(); i < transfers; i = next.getAndIncrement()) {
                    milestone.accept(i);
                    transfer(worker, random);
                }
                return null;
            }));
        }
        pool.shutdown();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
            out.printf("  [%s] %d/%d transfers: %d committed, %d aborted, %d failed%n", stats.backend, stats.done(),
                    transfers, stats.committed.get(), stats.aborted.get(), stats.failed.get());
            out.flush();
            if (System.nanoTime() > deadline) {
                pool.shutdownNow();
                throw new IllegalStateException("the " + stats.backend + " phase did not finish in 5 minutes");
            }
        }
        for (Future<?> worker : running) {
            worker.get();
        }
        return stats;
    }

    private void transfer(int worker, SplittableRandom random) throws InterruptedException {
        int from = random.nextInt(DemoBanks.BANKS.size());
        int to = (from + 1 + random.nextInt(DemoBanks.BANKS.size() - 1)) % DemoBanks.BANKS.size();
        int fromAccount = 1 + random.nextInt(DemoBanks.ACCOUNTS);
        int toAccount = 1 + random.nextInt(DemoBanks.ACCOUNTS);
        long amount = 1 + random.nextInt(200);
        String a = "account/" + DemoBanks.BANKS.get(from) + "/" + fromAccount;
        String b = "account/" + DemoBanks.BANKS.get(to) + "/" + toAccount;
        // lockAll takes both account locks in one canonical order, so two opposite transfers cannot deadlock.
        Optional<Lease> both = acquireAll(List.of(a, b), worker);
        if (both.isEmpty()) {
            return;
        }
        try (Lease held = both.get()) {
            commit(DemoBanks.BANKS.get(from), fromAccount + ":" + (-amount), DemoBanks.BANKS.get(to),
                    toAccount + ":" + amount);
            if (held.lost().isDone()) {
                stats.leasesLost.incrementAndGet();
            }
        }
    }

    private Optional<Lease> acquireAll(List<String> names, int worker) throws InterruptedException {
        try {
            Optional<Lease> lease = locks.lockAll(names).tryAcquire(LOCK_WAIT);
            if (lease.isEmpty()) {
                stats.lockTimeouts.incrementAndGet();
                return lease;
            }
            for (String name : names) {
                stats.granted(name, lease.get().fencingToken(name), worker);
            }
            return lease;
        } catch (RuntimeException e) {
            // a lease lost between grant and token read, or a backend fault during a fault drill
            stats.failed.incrementAndGet();
            return Optional.empty();
        }
    }

    /**
     * One transfer: debit and credit in their banks' branches, then the commit (two prepares in
     * parallel, one ZooKeeper write, two commits). The commit's time counts from the first update.
     */
    private void commit(String debitBank, String debit, String creditBank, String credit) {
        long start = System.nanoTime();
        try (XaTransaction tx = coordinators.pick().begin(TXN_TIMEOUT)) {
            Vote debited = DemoBanks.transfer(tx.connection(debitBank), debit);
            if (!debited.isYes()) {
                tx.rollback(); // insufficient funds: nothing to prepare
                stats.aborted.incrementAndGet();
                return;
            }
            DemoBanks.transfer(tx.connection(creditBank), credit);
            Outcome outcome = tx.commit();
            stats.commitTook((System.nanoTime() - start) / 1_000);
            if (outcome.isCommitted()) {
                stats.committed.incrementAndGet();
            } else {
                stats.aborted.incrementAndGet();
            }
        } catch (java.sql.SQLException | RuntimeException e) {
            // its instance was killed under it, or ZooKeeper was electing: a branch left prepared
            // is finished by recovery (committed if its decision exists), and the final checks verify it
            stats.failed.incrementAndGet();
        }
    }

    /** The live XA instances; workers spread over them, and a killed one is taken out. */
    static final class CoordinatorPool {
        private volatile List<XaTransactions> live;
        private final AtomicInteger turn = new AtomicInteger();

        CoordinatorPool(List<XaTransactions> instances) {
            this.live = List.copyOf(instances);
        }

        XaTransactions pick() {
            List<XaTransactions> now = live;
            return now.get(Math.floorMod(turn.getAndIncrement(), now.size()));
        }

        void remove(XaTransactions dead) {
            List<XaTransactions> next = new ArrayList<>(live);
            next.remove(dead);
            live = List.copyOf(next);
        }
    }
}
