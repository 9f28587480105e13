package dev.baton.txn.internal.store;

import dev.baton.txn.Outcome;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded history of finished transactions, {@code txn-history/<finished>-<txnId>}
 * ({@link HistoryNames}), each entry an outcome in {@link TxnCodec}'s format, and the history
 * node's trim mark ({@link HistoryMark}). An entry is created by the {@code multi} that collects its
 * transaction; the oldest entries beyond the size are deleted, with the mark raised, by the
 * collects of the one instance that keeps the history. The history thus costs no write of its own.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class TxnHistory {

    /** The default number of outcomes kept. */
    public static final int DEFAULT_SIZE = 1000;
    /** The largest history: listing it must stay well under ZooKeeper's 1 MiB reply limit. */
    public static final int MAX_SIZE = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(TxnHistory.class);

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
    public record Lookup(Verdict verdict, @Nullable Outcome outcome) {
    }

    /** The history node's mark and the version of the node it was read at. */
    public record MarkRead(HistoryMark mark, int version) {
    }

    private final ZkAsync zk;
    private final TxnLayout layout;
    private final int size;
    private final Set<String> damaged = ConcurrentHashMap.newKeySet();
    private long lastFinished;

    TxnHistory(ZkAsync zk, TxnLayout layout, int size) {
        this.zk = zk;
        this.layout = layout;
        this.size = size;
    }

    /** How many outcomes it keeps; 0 keeps none. */
    public int size() {
        return size;
    }

    /**
     * The finished time to record for a transaction collected now by {@code clock}: strictly after
     * the previous one this instance recorded, so that its entries sort in the order it collected them.
     */
    public synchronized Instant finishedNow(Clock clock) {
        lastFinished = Math.max(clock.millis(), lastFinished + 1);
        return Instant.ofEpochMilli(lastFinished);
    }

    /** The operations that record {@code outcome} (with its finished time) and carry out {@code trim}. */
    List<Op> entryOps(Outcome outcome, HistoryTrim trim) {
        if (size == 0) {
            return List.of();
        }
        List<Op> ops = new ArrayList<>();
        String name = HistoryNames.name(outcome.txnId(), outcome.finishedAt().orElseThrow());
        ops.add(Op.create(layout.historyEntry(name), TxnCodec.outcome(outcome), zk.acl(), CreateMode.PERSISTENT));
        ops.addAll(trimOps(trim));
        return ops;
    }

    /** The deletes of a trim and, in the same write, the raised mark (checked against the version read). */
    private List<Op> trimOps(HistoryTrim trim) {
        List<Op> ops = new ArrayList<>();
        if (trim.victims().isEmpty()) {
            return ops;
        }
        for (String victim : trim.victims()) {
            ops.add(Op.delete(layout.historyEntry(victim), -1));
        }
        ops.add(Op.setData(layout.history(), TxnCodec.mark(trim.mark()), trim.markVersion()));
        return ops;
    }

    /** Carries out a trim in a write of its own (a keeper that collects nothing while others fill the history). */
    public CompletableFuture<Void> trim(HistoryTrim trim) {
        return trim.victims().isEmpty() ? CompletableFuture.completedFuture(null)
                : zk.multi(trimOps(trim)).thenApply(results -> null);
    }

    /** The history node's stat: its child count and version. */
    public CompletableFuture<@Nullable Stat> stat() {
        return zk.exists(layout.history(), null);
    }

    /** The names of its children (entries and foreign nodes alike). */
    public CompletableFuture<List<String>> names() {
        return zk.children(layout.history(), null).thenApply(names -> names == null ? List.of() : names);
    }

    /** The mark and the node's version; a damaged mark reads as "everything may have been dropped". */
    public CompletableFuture<MarkRead> markWithVersion() {
        return zk.data(layout.history(), null).thenApply(node -> {
            if (node == null) {
                return new MarkRead(HistoryMark.NONE, -1);
            }
            try {
                return new MarkRead(TxnCodec.mark(layout.history(), node.data()), node.stat().getVersion());
            } catch (CorruptNodeException e) {
                if (damaged.add(layout.history())) {
                    LOG.warn("{}; taking every transaction as possibly dropped from the history", e.getMessage());
                }
                return new MarkRead(new HistoryMark(Long.MAX_VALUE), node.stat().getVersion());
            }
        });
    }

    /**
     * What the history says of {@code txnId}. Read the transaction's record before calling this:
     * a record that was absent then, and a transaction this reports {@link Verdict#NOT_FINISHED},
     * means it was never begun (or its begin had not reached ZooKeeper by the record's read).
     *
     * @throws CorruptNodeException (in the future) if its entry is damaged
     */
    public CompletableFuture<Lookup> lookup(String txnId) {
        // Listing, then the mark: the mark only grows, so an entry missing from the listing
        // because it was trimmed has raised the mark before the mark is read.
        return find(txnId).thenCompose(found -> {
            if (found.isPresent()) {
                return CompletableFuture.completedFuture(new Lookup(Verdict.FINISHED, found.get()));
            }
            if (size == 0) {
                return CompletableFuture.completedFuture(new Lookup(Verdict.MAYBE_DROPPED, null));
            }
            return markWithVersion().thenApply(read -> new Lookup(read.mark().holdsAllFrom(txnId)
                    ? Verdict.NOT_FINISHED : Verdict.MAYBE_DROPPED, null));
        });
    }

    /**
     * The outcome of finished transaction {@code txnId}, if the history still holds it.
     *
     * @throws CorruptNodeException (in the future) if its entry is damaged
     */
    public CompletableFuture<Optional<Outcome>> find(String txnId) {
        return nameOf(txnId).thenCompose(name -> name == null ? CompletableFuture.completedFuture(Optional.empty())
                : zk.data(layout.historyEntry(name), null).thenApply(node -> node == null ? Optional.<Outcome>empty()
                        : Optional.of(TxnStore.decoded(() -> TxnCodec.outcome(txnId, node.data())))));
    }

    /** Up to {@code max} outcomes, the most recently finished first; damaged entries are logged once and skipped. */
    public CompletableFuture<List<Outcome>> recent(int max) {
        return names().thenCompose(all -> {
            List<String> names = new ArrayList<>();
            for (String name : all) {
                if (HistoryNames.isEntry(name)) {
                    names.add(name);
                }
            }
            names.sort(Collections.reverseOrder());
            Map<String, CompletableFuture<ZkAsync.@Nullable Node>> reads = new LinkedHashMap<>();
            for (String name : names.subList(0, Math.min(max, names.size()))) {
                reads.put(name, zk.data(layout.historyEntry(name), null));
            }
            return CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
                List<Outcome> outcomes = new ArrayList<>();
                reads.forEach((name, reply) -> {
                    ZkAsync.Node node = reply.join();
                    if (node == null) {
                        return; // trimmed meanwhile
                    }
                    try {
                        outcomes.add(TxnCodec.outcome(Objects.requireNonNull(HistoryNames.txnId(name)), node.data()));
                    } catch (CorruptNodeException e) {
                        if (damaged.add(name)) {
                            LOG.warn("history entry {} is skipped: {}", name, e.getMessage());
                        }
                    }
                });
                return outcomes;
            });
        });
    }

    /**
     * Deletes the entry of {@code txnId}, raising the history's mark in the same write; false if
     * the history does not hold it. {@code forgetting} hears the entry's name first. A resend of
     * the write (after a lost reply) fails on the missing entry and changes nothing more; the
     * entry is gone either way, so the answer is true.
     */
    public CompletableFuture<Boolean> forget(String txnId, Consumer<String> forgetting) {
        return nameOf(txnId).thenCompose(name -> {
            if (name == null) {
                return CompletableFuture.completedFuture(false);
            }
            forgetting.accept(name);
            return forget(txnId, name, 0);
        });
    }

    private CompletableFuture<Boolean> forget(String txnId, String name, int attempt) {
        return markWithVersion().thenCompose(read -> zk.multi(List.of(Op.delete(layout.historyEntry(name), -1),
                Op.setData(layout.history(), TxnCodec.mark(read.mark().including(txnId)), read.version())))
                .handle((results, failure) -> {
                    if (failure == null) {
                        return CompletableFuture.completedFuture(true);
                    }
                    Throwable cause = TxnStore.unwrap(failure);
                    if (cause instanceof KeeperException.NoNodeException) {
                        return CompletableFuture.completedFuture(true);
                    }
                    if (cause instanceof KeeperException.BadVersionException && attempt < 10) {
                        return forget(txnId, name, attempt + 1); // the keeper trimmed meanwhile
                    }
                    throw new CompletionException(cause);
                }).thenCompose(next -> next));
    }

    private CompletableFuture<String> nameOf(String txnId) {
        return names().thenApply(names -> {
            for (String name : names) {
                if (txnId.equals(HistoryNames.txnId(name))) {
                    return name;
                }
            }
            return null;
        });
    }
}
