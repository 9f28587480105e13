package dev.baton.txn.internal.store;

import dev.baton.txn.Outcome;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded history of finished transactions, {@code txn-history/} (see {@link HistoryNames}).
 * An entry is created by the {@code multi} that collects its transaction; the oldest entries
 * beyond the configured size are deleted by the collects of the {@link HistoryKeeper} instance.
 * The history thus costs no write of its own, and no collect fails because of it.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class TxnHistory {

    /** The default number of outcomes kept. */
    public static final int DEFAULT_SIZE = 1000;
    /** The largest history: listing it must stay well under ZooKeeper's 1 MiB reply limit. */
    public static final int MAX_SIZE = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(TxnHistory.class);

    /** What one collect adds to the history and deletes from it. */
    public record Plan(List<CuratorOp> ops, HistoryTrim trim) {
    }

    /** What the history says of one transaction id. */
    public enum Verdict {
        /** It finished; its outcome is here. */
        FINISHED,
        /** It did not finish: the history holds every finished transaction as young as it. */
        NOT_FINISHED,
        /** It is not here, and it may have finished and been dropped (or forgotten), or the history keeps nothing. */
        MAYBE_DROPPED
    }

    /** A {@link Verdict}, with the outcome when {@link Verdict#FINISHED}. */
    public record Lookup(Verdict verdict, Outcome outcome) {
    }

    private final Zk zk;
    private final TxnLayout layout;
    private final int size;
    private final Set<String> damaged = ConcurrentHashMap.newKeySet();
    private long lastFinished;

    public TxnHistory(Zk zk, TxnLayout layout, int size) {
        this.zk = zk;
        this.layout = layout;
        this.size = size;
    }

    /**
     * The finished time to record for a transaction collected now by {@code clock}: strictly after
     * the previous one this instance recorded, so that its entries sort in the order it collected them.
     */
    public synchronized Instant finishedNow(Clock clock) {
        lastFinished = Math.max(clock.millis(), lastFinished + 1);
        return Instant.ofEpochMilli(lastFinished);
    }

    /**
     * The operations that record {@code outcome} (which must have its finished time) and, on the
     * keeper, delete the oldest entries beyond the size. Reads at most the history's child count.
     */
    public Plan plan(Outcome outcome, HistoryTrim trim) throws Exception {
        if (size == 0) {
            return new Plan(List.of(), HistoryTrim.NONE);
        }
        String name = HistoryNames.name(outcome.txnId(), outcome.finishedAt().orElseThrow());
        List<CuratorOp> ops = new ArrayList<>();
        ops.add(zk.createOp(layout.historyEntry(name), TxnCodec.outcome(outcome), CreateMode.PERSISTENT));
        ops.addAll(trimOps(trim));
        return new Plan(ops, trim);
    }

    /** The deletes of a trim and, in the same write, the raised mark (checked against the version read). */
    public List<CuratorOp> trimOps(HistoryTrim trim) throws Exception {
        List<CuratorOp> ops = new ArrayList<>();
        if (trim.victims().isEmpty()) {
            return ops;
        }
        for (String victim : trim.victims()) {
            ops.add(zk.deleteOp(layout.historyEntry(victim)));
        }
        ops.add(zk.setDataOp(layout.history(), TxnCodec.mark(trim.mark()), trim.markVersion()));
        return ops;
    }

    /**
     * What the history says of {@code txnId}. Read the transaction's record before calling this:
     * a record that was absent then, and a transaction this reports {@link Verdict#NOT_FINISHED},
     * means it was never begun (or its begin had not reached ZooKeeper by the record's read).
     *
     * @throws CorruptNodeException if its entry is damaged
     */
    public Lookup lookup(String txnId) throws Exception {
        // Listing, then the mark: the mark only grows, so an entry missing from the listing
        // because it was trimmed has raised the mark before the mark is read.
        Optional<Outcome> found = find(txnId);
        if (found.isPresent()) {
            return new Lookup(Verdict.FINISHED, found.get());
        }
        if (size == 0) {
            return new Lookup(Verdict.MAYBE_DROPPED, null);
        }
        return new Lookup(readMark().holdsAllFrom(txnId) ? Verdict.NOT_FINISHED : Verdict.MAYBE_DROPPED, null);
    }

    /** The history node's mark; a damaged one reads as "everything may have been dropped". */
    public HistoryMark readMark() throws Exception {
        try {
            return TxnCodec.mark(layout.history(), zk.data(layout.history(), null));
        } catch (CorruptNodeException e) {
            if (damaged.add(layout.history())) {
                LOG.warn("{}; taking every transaction as possibly dropped from the history", e.getMessage());
            }
            return new HistoryMark(Long.MAX_VALUE);
        }
    }

    /**
     * The outcome of finished transaction {@code txnId}, if the history still holds it.
     *
     * @throws CorruptNodeException if its entry is damaged
     */
    public Optional<Outcome> find(String txnId) throws Exception {
        String name = nameOf(txnId);
        byte[] data = name == null ? null : zk.data(layout.historyEntry(name), null);
        return data == null ? Optional.empty() : Optional.of(TxnCodec.outcome(txnId, data));
    }

    /** Up to {@code max} outcomes, the most recently finished first; damaged entries are logged once and skipped. */
    public List<Outcome> recent(int max) throws Exception {
        List<String> names = new ArrayList<>();
        for (String name : Optional.ofNullable(zk.children(layout.history(), null)).orElse(List.of())) {
            if (HistoryNames.isEntry(name)) {
                names.add(name);
            }
        }
        names.sort(Collections.reverseOrder());
        names = names.subList(0, Math.min(max, names.size()));
        List<String> paths = new ArrayList<>();
        names.forEach(name -> paths.add(layout.historyEntry(name)));
        List<byte[]> contents = zk.dataOf(paths);
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            String txnId = HistoryNames.txnId(names.get(i));
            try {
                if (contents.get(i) != null) {
                    outcomes.add(TxnCodec.outcome(txnId, contents.get(i)));
                }
            } catch (CorruptNodeException e) {
                if (damaged.add(names.get(i))) {
                    LOG.warn("history entry {} is skipped: {}", names.get(i), e.getMessage());
                }
            }
        }
        return outcomes;
    }

    /**
     * Deletes the entry of {@code txnId}, raising the history's mark in the same write; false if
     * the history does not hold it. A resend of the write (after a lost reply) fails on the
     * missing entry and changes nothing more; the entry is gone either way, so the answer is true.
     */
    public boolean forget(String txnId, java.util.function.Consumer<String> forgetting) throws Exception {
        String name = nameOf(txnId);
        if (name == null) {
            return false;
        }
        forgetting.accept(name);
        for (int attempt = 0; ; attempt++) {
            Stat stat = new Stat();
            HistoryMark mark;
            try {
                mark = TxnCodec.mark(layout.history(), zk.data(layout.history(), stat, null));
            } catch (CorruptNodeException e) {
                mark = new HistoryMark(Long.MAX_VALUE);
            }
            try {
                zk.multi(List.of(zk.deleteOp(layout.historyEntry(name)),
                        zk.setDataOp(layout.history(), TxnCodec.mark(mark.including(txnId)), stat.getVersion())));
                return true;
            } catch (KeeperException.NoNodeException e) {
                return true;
            } catch (KeeperException.BadVersionException e) {
                if (attempt >= 10) {
                    throw e;
                }
                // the keeper trimmed meanwhile: read the mark again
            }
        }
    }

    private String nameOf(String txnId) throws Exception {
        for (String name : Optional.ofNullable(zk.children(layout.history(), null)).orElse(List.of())) {
            if (txnId.equals(HistoryNames.txnId(name))) {
                return name;
            }
        }
        return null;
    }
}
