package dev.baton.txn.internal.protocol;

import dev.baton.lock.Lease;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.txn.internal.store.HistoryMark;
import dev.baton.txn.internal.store.HistoryNames;
import dev.baton.txn.internal.store.HistoryTrim;
import dev.baton.txn.internal.store.TxnHistory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the history at its size. Only one coordinator instance deletes history entries: the
 * holder of a lease on the lock whose queue is {@code txn-history-keeper}. Every instance adds
 * entries; if several deleted, two collecting at the same moment would pick the same oldest entry
 * and one collect would fail, costing a write. The keeper puts its deletes, and the history's trim
 * mark, into its own collect {@code multi}s (no write of its own), one trim at a time: each raises
 * the mark with a write conditional on the version the previous one left, so collects that start
 * while a trim is in flight add their entry without trimming, and the next trim takes the excess.
 * Other instances only watch the keeper's queue, like a driver lease's, and take the role when it
 * empties. A keeper that collects nothing for a while but finds the history over its size (others
 * collect) trims it with one write.
 *
 * <p>To find the oldest entries without listing the history at every collect, the keeper reads the
 * history node's child count and remembers the oldest names from its last listing: others only add
 * newer entries. A stale name (an entry forgotten elsewhere) fails that collect once; the next
 * trim lists again. Nor does it read the count at every collect: it counts its own collects and
 * trims on top of the last count it read, and reads it again after {@link #COUNT_EVERY_COLLECTS}
 * collects, {@link #COUNT_EVERY_MILLIS} or a failed trim, so the history can exceed its size by
 * what other instances collected meanwhile, until the next read.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class HistoryKeeper {

    /** The most entries one write deletes, so a much smaller size is reached over several writes. */
    public static final int MAX_TRIM = 256;
    /** The keeper reads the history's child count again after this many of its own collects. */
    static final int COUNT_EVERY_COLLECTS = 64;
    /** ... or after this long. */
    static final long COUNT_EVERY_MILLIS = 1000;

    private static final Logger LOG = LoggerFactory.getLogger(HistoryKeeper.class);

    private final CoordinatorCore core;
    private final TxnHistory history;
    private final int size;
    private final long idleMillis;
    private final Watcher watcher;
    // Guarded by this:
    private final TreeSet<String> oldest = new TreeSet<>();
    private boolean trimInFlight;
    private boolean listed;
    private int foreign;
    private int listings;
    private HistoryMark mark = HistoryMark.NONE;
    private int markVersion = -1;
    /** The history's child count as last read, plus this keeper's collects and less its trims since; -1 to read it. */
    private int count = -1;
    /** The history node's version as last read, or as this keeper's own trims left it. */
    private int countVersion = -1;
    private long countReadAt;
    private int collectsSinceCount;
    private volatile @Nullable Lease lease;
    private volatile long lastCollect;

    public HistoryKeeper(CoordinatorCore core, Duration idle) {
        this.core = core;
        this.history = core.store.history();
        this.size = history.size();
        this.idleMillis = idle.toMillis();
        this.watcher = event -> core.execute(this::reclaim);
    }

    /** Takes the role if nobody has it, else watches for it; starts the idle check. */
    public CompletableFuture<Void> start() {
        if (size == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return core.store.ensureHistoryKeeperQueue().thenCompose(x -> claim()).thenRun(() ->
                core.schedule(this::idleCheck, idleMillis));
    }

    /** Whether this instance keeps the history now. */
    public boolean holds() {
        Lease current = lease;
        return current != null && current.isValid();
    }

    /** Takes the role if it is free, or watches again: after a loss, a watch event or a reconnection. */
    public void reclaim() {
        if (size == 0 || holds() || core.isClosed()) {
            return;
        }
        claim().exceptionally(failure -> {
            if (!core.isClosed() && core.store.usable()) {
                LOG.debug("could not claim the history keeper role; retrying", failure);
                core.schedule(this::reclaim, 1000);
            }
            return null;
        });
    }

    /** Watches the queue and, if it is empty, races for the role with a one-shot attempt. */
    private CompletableFuture<Void> claim() {
        return core.store.historyKeeperQueueChildren(watcher).thenAcceptAsync(children -> {
            if (children == null || holds() || children.stream().anyMatch(CallerQueues::isQueueNode)) {
                return;
            }
            // Blocking, but rare: the first instance, and a takeover.
            Optional<Lease> won;
            try {
                won = core.locks.lockAt(core.store.historyKeeperQueue()).tryAcquire(Duration.ZERO);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (won.isPresent()) {
                synchronized (this) {
                    lease = won.get();
                    listed = false;
                    count = -1;
                }
                LOG.debug("this coordinator instance keeps the transaction history now");
                won.get().lost().thenRun(() -> core.execute(this::reclaim));
            }
        }, core.executor()::executeOrRun);
    }

    /** This instance is collecting a transaction, so it is not idle. */
    public void collecting() {
        lastCollect = System.nanoTime();
    }

    /**
     * The oldest entries to delete so the history stays at its size once {@code adding} entries are
     * added, with the mark raised past them; none unless this instance is the keeper and no other
     * trim of it is in flight. The caller reports the write's fate: {@link #deleted} or {@link #failed}.
     */
    public CompletableFuture<HistoryTrim> victims(int adding) {
        collecting();
        synchronized (this) {
            if (!holds() || trimInFlight) {
                return CompletableFuture.completedFuture(HistoryTrim.NONE);
            }
            trimInFlight = true;
        }
        boolean counted;
        synchronized (this) {
            counted = count >= 0 && collectsSinceCount < COUNT_EVERY_COLLECTS
                    && System.nanoTime() - countReadAt < COUNT_EVERY_MILLIS * 1_000_000;
        }
        CompletableFuture<Boolean> known = counted ? CompletableFuture.completedFuture(true)
                : history.stat().thenApply(stat -> {
                    synchronized (this) {
                        count = stat == null ? -1 : stat.getNumChildren();
                        countVersion = stat == null ? -1 : stat.getVersion();
                        countReadAt = System.nanoTime();
                        collectsSinceCount = 0;
                        return stat != null;
                    }
                });
        return known.thenCompose(exists -> {
            int excess;
            boolean readMark;
            boolean relist;
            synchronized (this) {
                excess = !exists ? 0 : Math.min(MAX_TRIM, count - foreign + adding - size);
                readMark = exists && countVersion != markVersion;
                relist = !listed || oldest.size() < excess;
                if (exists) {
                    count += adding; // the collect this trim rides in adds its entry (counted as if it succeeds)
                    collectsSinceCount++;
                }
            }
            if (excess <= 0) {
                return CompletableFuture.completedFuture(HistoryTrim.NONE);
            }
            CompletableFuture<Void> markRead = !readMark ? CompletableFuture.completedFuture(null)
                    : history.markWithVersion().thenAccept(read -> {
                        synchronized (this) {
                            mark = read.mark();
                            markVersion = read.version();
                        }
                    });
            CompletableFuture<Void> names = !relist ? CompletableFuture.completedFuture(null)
                    : history.names().thenAccept(this::relisted);
            return CompletableFuture.allOf(markRead, names).thenApply(done -> pick(excess));
        }).whenComplete((trim, failure) -> {
            if (failure != null || trim.victims().isEmpty()) {
                synchronized (this) {
                    trimInFlight = false;
                }
            }
        });
    }

    private synchronized void relisted(List<String> names) {
        listings++;
        oldest.clear();
        foreign = 0;
        for (String name : names) {
            if (HistoryNames.isEntry(name)) {
                oldest.add(name);
            } else {
                foreign++;
            }
        }
        listed = true;
    }

    private synchronized HistoryTrim pick(int excess) {
        List<String> victims = new ArrayList<>();
        HistoryMark raised = mark;
        while (victims.size() < excess && !oldest.isEmpty()) {
            String victim = oldest.pollFirst();
            victims.add(victim);
            raised = raised.including(Objects.requireNonNull(HistoryNames.txnId(victim)));
        }
        if (count >= 0) {
            count -= victims.size();
        }
        return victims.isEmpty() ? HistoryTrim.NONE : new HistoryTrim(victims, raised, markVersion);
    }

    /** The write of {@code trim} succeeded: its victims are gone and its mark is the history's. */
    public synchronized void deleted(HistoryTrim trim) {
        if (trim.victims().isEmpty()) {
            return;
        }
        trimInFlight = false;
        if (markVersion == trim.markVersion()) {
            mark = trim.mark();
            markVersion++;
            if (countVersion == trim.markVersion()) {
                countVersion = markVersion; // the trim's own write: the count needs no new read for it
            }
        }
    }

    /** The write of {@code trim} failed: list the history and read its mark afresh next time. */
    public synchronized void failed(HistoryTrim trim) {
        if (trim.victims().isEmpty()) {
            return;
        }
        trimInFlight = false;
        listed = false;
        markVersion = -1;
        count = -1;
    }

    /** An entry was deleted on request. */
    public synchronized void forgotten(String name) {
        oldest.remove(name);
    }

    /** How often the keeper listed the history. For tests. */
    public synchronized int listings() {
        return listings;
    }

    /** A keeper that collects nothing still keeps the history at its size while others add to it. */
    private void idleCheck() {
        if (core.isClosed()) {
            return;
        }
        if (holds() && System.nanoTime() - lastCollect > idleMillis * 1_000_000) {
            synchronized (this) {
                count = -1; // what others collected is what an idle keeper looks for: count afresh
            }
            victims(0).thenCompose(trim -> history.trim(trim).whenComplete((done, failure) -> {
                if (failure == null) {
                    deleted(trim);
                } else {
                    failed(trim);
                }
            })).whenComplete((done, failure) -> {
                if (failure != null) {
                    LOG.debug("idle trim of the transaction history failed; trying again later", failure);
                }
                core.schedule(this::idleCheck, idleMillis);
            });
            return;
        }
        core.schedule(this::idleCheck, idleMillis);
    }

    /** Gives the role up, so another instance takes it. */
    public void close() {
        Lease current = lease;
        if (current != null) {
            current.release();
        }
    }
}
