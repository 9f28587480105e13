package dev.baton.txn.internal.protocol;

import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.HistoryMark;
import dev.baton.txn.internal.store.HistoryNames;
import dev.baton.txn.internal.store.HistoryTrim;
import dev.baton.txn.internal.store.TxnCodec;

import dev.baton.lock.Lease;
import dev.baton.lock.zookeeper.ZooKeeperLockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the history at its size. Only one coordinator instance deletes history entries: the
 * holder of a lease on the lock whose queue is {@code txn-history-keeper}. Every instance adds
 * entries; if several deleted, two collecting at the same moment would pick the same oldest entry
 * and one collect would fail, costing a write. The keeper puts its deletes into its own collect
 * {@code multi}s (no write of its own). Other instances only watch the keeper's queue, like the
 * driver lease's, and take the role when it empties. A keeper that has collected nothing for a
 * while but finds the history over its size (other instances collect) trims it with one write.
 *
 * <p>To find the oldest entries without listing the history at every collect, the keeper reads the
 * history node's child count and remembers the oldest names from its last listing: others only
 * add newer entries. A stale name (an entry deleted by {@code forget} elsewhere) fails that collect
 * once; it is retried after a fresh listing.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class HistoryKeeper {

    /** The most entries one write deletes, so a much smaller size is reached over several writes. */
    public static final int MAX_TRIM = 256;

    private static final Logger LOG = LoggerFactory.getLogger(HistoryKeeper.class);

    private final CoordinatorCore core;
    private final int size;
    private final long idleMillis;
    private final String queue;
    private final Watcher watcher;
    private final TreeSet<String> oldest = new TreeSet<>();
    /** Victims handed to writes not finished yet: still listed by the server, but not to be handed out again. */
    private final Set<String> reserved = new HashSet<>();
    /** The history's mark as last read or written, and the version of the history node it had. */
    private HistoryMark mark = HistoryMark.NONE;
    private int markVersion = -1;
    /**
     * One trim at a time: each raises the mark with a write conditional on the version the
     * previous one left, so two in flight would fail one collect. Collects that start while a
     * trim is in flight add their entry without trimming; the next trim takes the excess.
     */
    private boolean trimInFlight;
    private volatile Lease lease;
    private boolean listed;
    private int foreign;
    private int listings;
    private volatile long lastCollect;

    public HistoryKeeper(CoordinatorCore core, int size, Duration idle) {
        this.core = core;
        this.size = size;
        this.idleMillis = idle.toMillis();
        this.queue = core.layout.historyKeeper();
        this.watcher = event -> core.execute(this::reclaim);
    }

    /** Takes the role if nobody has it, else watches for it; starts the idle check. Blocking. */
    public void start() throws Exception {
        if (size == 0) {
            return;
        }
        core.zk.ensure(queue);
        claim();
        core.schedule(this::idleCheck, idleMillis);
    }

    /** Whether this instance keeps the history now. */
    public boolean holds() {
        Lease current = lease;
        return current != null && current.isValid();
    }

    private synchronized void claim() throws Exception {
        if (holds() || core.isClosed()) {
            return;
        }
        List<String> children = core.zk.children(queue, watcher);
        if (children == null || children.stream().anyMatch(ZooKeeperLockClient::isQueueNode)) {
            return;
        }
        Optional<Lease> won = core.locks.lockAt(queue).tryAcquire(Duration.ZERO);
        if (won.isPresent()) {
            lease = won.get();
            listed = false;
            LOG.debug("this coordinator instance keeps the transaction history now");
            won.get().lost().thenRun(() -> core.execute(this::reclaim));
        }
    }

    /** Takes the role if it is free, or watches again: after a loss, a watch event or a reconnection. */
    public void reclaim() {
        if (size == 0) {
            return;
        }
        try {
            claim();
        } catch (Exception e) {
            if (!core.isClosed() && core.zk.usable()) {
                LOG.debug("could not claim the history keeper role; retrying", e);
                core.schedule(this::reclaim, 1000);
            }
        }
    }

    /**
     * The oldest entries to delete so the history stays at its size once {@code adding} entries are
     * added; none unless this instance is the keeper. They are reserved: a concurrent collect of
     * this instance picks others.
     */
    public synchronized HistoryTrim victims(int adding) throws Exception {
        if (!holds() || trimInFlight) {
            return HistoryTrim.NONE;
        }
        Stat stat = core.zk.exists(core.layout.history(), null);
        int excess = stat == null ? 0
                : Math.min(MAX_TRIM, stat.getNumChildren() - foreign - reserved.size() + adding - size);
        if (excess <= 0) {
            return HistoryTrim.NONE;
        }
        if (stat.getVersion() != markVersion) {
            readMark();
        }
        if (!listed || oldest.size() < excess) {
            relist();
        }
        List<String> victims = new ArrayList<>();
        HistoryMark raised = mark;
        while (victims.size() < excess && !oldest.isEmpty()) {
            String victim = oldest.pollFirst();
            victims.add(victim);
            raised = raised.including(HistoryNames.txnId(victim));
        }
        reserved.addAll(victims);
        trimInFlight = !victims.isEmpty();
        return victims.isEmpty() ? HistoryTrim.NONE : new HistoryTrim(victims, raised, markVersion);
    }

    private void readMark() throws Exception {
        Stat stat = new Stat();
        byte[] data = core.zk.data(core.layout.history(), stat, null);
        try {
            mark = TxnCodec.mark(core.layout.history(), data);
        } catch (CorruptNodeException e) {
            LOG.warn("{}; it is overwritten with a mark that takes every transaction as possibly dropped",
                    e.getMessage());
            mark = new HistoryMark(Long.MAX_VALUE);
        }
        markVersion = stat.getVersion();
    }

    private void relist() throws Exception {
        listings++;
        oldest.clear();
        foreign = 0;
        for (String name : Optional.ofNullable(core.zk.children(core.layout.history(), null)).orElse(List.of())) {
            if (HistoryNames.isEntry(name)) {
                if (!reserved.contains(name)) {
                    oldest.add(name);
                }
            } else {
                foreign++;
            }
        }
        listed = true;
    }

    /** This instance is collecting a transaction, so it is not idle. */
    public void collecting() {
        lastCollect = System.nanoTime();
    }

    /** The write of {@code trim} succeeded: its victims are gone and its mark is the history's. */
    public synchronized void deleted(HistoryTrim trim) {
        if (trim.victims().isEmpty()) {
            return;
        }
        trimInFlight = false;
        reserved.removeAll(trim.victims());
        if (markVersion == trim.markVersion()) {
            mark = trim.mark();
            markVersion++;
        }
    }

    /** The write of {@code trim} failed: list the history and read its mark afresh next time. */
    public synchronized void failed(HistoryTrim trim) {
        if (trim.victims().isEmpty()) {
            return;
        }
        trimInFlight = false;
        reserved.removeAll(trim.victims());
        listed = false;
        markVersion = -1;
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
        try {
            if (holds() && System.nanoTime() - lastCollect > idleMillis * 1_000_000) {
                trim();
            }
        } catch (Exception e) {
            LOG.debug("idle trim of the transaction history failed; trying again later", e);
        }
        core.schedule(this::idleCheck, idleMillis);
    }

    private void trim() throws Exception {
        HistoryTrim trim = victims(0);
        if (trim.victims().isEmpty()) {
            return;
        }
        try {
            core.zk.multi(core.history.trimOps(trim));
        } catch (Exception e) {
            failed(trim);
            throw e;
        }
        deleted(trim);
    }

    /** Gives the role up, so another instance takes it. */
    public void close() {
        Lease current = lease;
        if (current != null) {
            current.release();
        }
    }
}
