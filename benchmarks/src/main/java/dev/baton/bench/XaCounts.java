package dev.baton.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one contestant did through its {@link CheckedXaDataSource}s, counted at the XAResource:
 * the calls of the protocol, and how many of the sampled second-phase commits found their branch
 * prepared in {@code pg_prepared_xacts}. Also the transfers the contestant reported done, so that
 * the counts can be read per transfer. Thread-safe.
 */
final class XaCounts {

    final String contestant;
    final AtomicLong starts = new AtomicLong();
    final AtomicLong prepares = new AtomicLong();
    /** Prepares that answered XA_RDONLY: such a branch is never committed. */
    final AtomicLong readOnlyPrepares = new AtomicLong();
    final AtomicLong twoPhaseCommits = new AtomicLong();
    final AtomicLong onePhaseCommits = new AtomicLong();
    final AtomicLong rollbacks = new AtomicLong();
    final AtomicLong sampled = new AtomicLong();
    final AtomicLong seenPrepared = new AtomicLong();
    final AtomicLong transfers = new AtomicLong();
    final AtomicLong failedTransfers = new AtomicLong();
    /** Physical XA connections opened through the checked data sources. */
    final AtomicLong connectionsOpened = new AtomicLong();
    /** ZooKeeper requests ({@code mntr} zk_packets_received) in the counted throughput rounds, and their transfers. */
    final AtomicLong zooKeeperRequests = new AtomicLong();
    final AtomicLong zooKeeperTransfers = new AtomicLong();
    /** Watch events the ZooKeeper servers sent to clients over the same rounds. */
    final AtomicLong zooKeeperWatchEvents = new AtomicLong();
    /**
     * The same requests and transfers by the rounds' number of callers: since writes and reads go
     * in groups under load, requests per transfer depend on concurrency.
     */
    final java.util.concurrent.ConcurrentMap<Integer, long[]> zooKeeperByCallers = new java.util.concurrent.ConcurrentHashMap<>();

    /** Adds a round's ZooKeeper requests and transfers at {@code callers}. */
    void zooKeeperRound(int callers, long requests, long transfers) {
        zooKeeperByCallers.merge(callers, new long[] {requests, transfers},
                (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]});
    }
    private final List<String> missing = new ArrayList<>();
    private final Object commitMonitor = new Object();

    XaCounts(String contestant) {
        this.contestant = contestant;
    }

    void committed(boolean onePhase) {
        (onePhase ? onePhaseCommits : twoPhaseCommits).incrementAndGet();
        synchronized (commitMonitor) {
            commitMonitor.notifyAll();
        }
    }

    void sample(String gid, boolean seen) {
        sampled.incrementAndGet();
        if (seen) {
            seenPrepared.incrementAndGet();
        } else {
            synchronized (missing) {
                if (missing.size() < 10) {
                    missing.add(gid);
                }
            }
        }
    }

    /** Some of the gids whose branch was not in {@code pg_prepared_xacts} at its commit. */
    List<String> missing() {
        synchronized (missing) {
            return List.copyOf(missing);
        }
    }

    /**
     * Waits until every transfer reported done has had both branches committed: for Baton, whose
     * {@code commit()} returns at the decision while the hosts commit the branches afterwards.
     *
     * @throws IllegalStateException if that takes longer than {@code timeoutMillis}
     */
    void awaitBranchesCommitted(long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        synchronized (commitMonitor) {
            while (twoPhaseCommits.get() + onePhaseCommits.get() < 2 * transfers.get()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException(contestant + ": " + (twoPhaseCommits.get() + onePhaseCommits.get())
                            + " branch commits after " + transfers.get() + " transfers, still missing after "
                            + timeoutMillis + " ms");
                }
                commitMonitor.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** Adds {@code other}'s counts to these, for a report by contestant family. */
    XaCounts add(XaCounts other) {
        starts.addAndGet(other.starts.get());
        prepares.addAndGet(other.prepares.get());
        readOnlyPrepares.addAndGet(other.readOnlyPrepares.get());
        twoPhaseCommits.addAndGet(other.twoPhaseCommits.get());
        onePhaseCommits.addAndGet(other.onePhaseCommits.get());
        rollbacks.addAndGet(other.rollbacks.get());
        sampled.addAndGet(other.sampled.get());
        seenPrepared.addAndGet(other.seenPrepared.get());
        transfers.addAndGet(other.transfers.get());
        failedTransfers.addAndGet(other.failedTransfers.get());
        connectionsOpened.addAndGet(other.connectionsOpened.get());
        zooKeeperRequests.addAndGet(other.zooKeeperRequests.get());
        zooKeeperTransfers.addAndGet(other.zooKeeperTransfers.get());
        zooKeeperWatchEvents.addAndGet(other.zooKeeperWatchEvents.get());
        other.zooKeeperByCallers.forEach((callers, counted) -> zooKeeperRound(callers, counted[0], counted[1]));
        synchronized (missing) {
            for (String gid : other.missing()) {
                if (missing.size() < 10) {
                    missing.add(gid);
                }
            }
        }
        return this;
    }

    /** Per transfer, {@code count / transfers}. */
    double perTransfer(AtomicLong count) {
        long done = transfers.get();
        return done == 0 ? Double.NaN : count.get() / (double) done;
    }
}
