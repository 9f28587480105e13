package dev.baton.txn.internal.store;

import dev.baton.txn.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.ACL;
import org.jspecify.annotations.Nullable;

/**
 * Everything the 2PC protocol keeps in ZooKeeper, behind typed reads and writes: the coordinator's
 * side here, the participants' in {@link #participants()}, the history of finished transactions in
 * {@link #history()}. It alone knows the layout ({@link TxnLayout}) and the format
 * ({@link TxnCodec}); the protocol asks it for records, never for paths (the only paths handed out
 * are the queues of the driver and history-keeper leases, which belong to the lock API).
 *
 * <p>Every call is asynchronous (the session's own async API): no thread waits for a reply. A
 * future completes on ZooKeeper's event thread, exceptionally with the {@link KeeperException} of
 * a failed call or with a {@link CorruptNodeException} for a node that is not what it should be.
 * Nothing is retried here: a task whose call failed evaluates again from fresh reads.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class TxnStore {

    /**
     * A test hook standing for a write that reaches ZooKeeper twice (its reply was lost, and a
     * read after reconnecting to another server did not show it yet): told after a write took
     * effect, it says whether to send it once more, and may first let other parties move on.
     */
    @FunctionalInterface
    public interface Resend {
        /** @param path the path of the write (of a multi's first operation) that took effect */
        boolean again(String path) throws Exception;
    }

    /** What a create of a node that is created once (a vote, a decision) did. */
    public enum Created { CREATED, EXISTS, NO_PARENT }

    /** A vote as read: the vote, or why it could not be read; and the zxid it was cast at. */
    public record VoteRead(@Nullable CastVote vote, @Nullable String unreadable, long castAt) {
    }

    /** The decision as read, with the zxid of its creation. */
    public record DecisionRead(Decision decision, long decidedAt) {
    }

    /** The votes and the decision, read in one round trip. */
    public record VotesAndDecision(List<String> voteNames, Map<String, VoteRead> votes,
            @Nullable DecisionRead decision) {
    }

    /** What a create of the decision did. */
    public record DecisionWrite(Created created) {
    }

    /**
     * The acknowledgements listed: the participants that acknowledged, and those of them whose
     * acknowledgement reports a heuristic outcome.
     */
    public record Acks(List<String> names, Set<String> heuristic) {
    }

    /**
     * The children of a finished transaction the driver already knows (the acknowledgements it
     * listed, those of them that report a heuristic outcome, the votes it read): a collect deletes
     * these without listing anything.
     */
    public record Known(List<String> acks, Set<String> heuristic, List<String> votes) {
    }

    /** What a collect did. */
    public enum Collected {
        /** Deleted, and the history entry created: by this call. */
        COLLECTED,
        /** The record was already gone: collected before (a resend, or another instance). */
        ALREADY
    }

    private final ZkAsync zk;
    private final TxnLayout layout;
    private final TxnHistory history;
    private final ParticipantStore participants;

    /**
     * @param root Baton's root path ({@code /baton} by default)
     * @param historySize how many finished transactions the history keeps
     */
    public TxnStore(CuratorFramework curator, List<ACL> acl, String root, int historySize) {
        this.zk = new ZkAsync(curator, acl, true);
        this.layout = new TxnLayout(root);
        this.history = new TxnHistory(zk, layout, historySize);
        this.participants = new ParticipantStore(zk, layout);
    }

    public TxnHistory history() {
        return history;
    }

    public ParticipantStore participants() {
        return participants;
    }

    public CuratorFramework curator() {
        return zk.curator();
    }

    /** False once the Curator client has been closed. */
    public boolean usable() {
        return zk.usable();
    }

    /** The current session's id, 0 if there is none. */
    public long sessionId() {
        return zk.sessionId();
    }

    /** Installs the test hook on every write but the begin. */
    public void resend(@Nullable Resend hook) {
        zk.resend = hook;
    }

    /** Creates the namespace's fixed nodes, with empty data, if missing. */
    public CompletableFuture<Void> ensureNamespace() {
        return CompletableFuture.allOf(zk.ensure(layout.txns()), zk.ensure(layout.participants()),
                zk.ensure(layout.history()));
    }

    /** The ids (and foreign names) under {@code txn/}, watched; null if the node is missing. */
    public CompletableFuture<@Nullable List<String>> transactions(@Nullable Watcher watcher) {
        return zk.children(layout.txns(), watcher);
    }

    /** Creates {@code txn/} again after someone deleted it. */
    public CompletableFuture<Void> ensureTransactions() {
        return zk.ensure(layout.txns());
    }

    /** The queue of the transaction's driver lease: a lock the protocol owns. */
    public String driverQueue(String txnId) {
        return layout.driver(txnId);
    }

    /** The children of the transaction's driver queue (its record), watched; null if the queue is gone. */
    public CompletableFuture<@Nullable List<String>> queue(String txnId, Watcher watcher) {
        return zk.children(layout.driver(txnId), watcher);
    }

    /** The children of the history keeper's queue, watched; null if it is gone. */
    public CompletableFuture<@Nullable List<String>> historyKeeperQueueChildren(Watcher watcher) {
        return zk.children(layout.historyKeeper(), watcher);
    }

    /** The queue of the history keeper's lease. */
    public String historyKeeperQueue() {
        return layout.historyKeeper();
    }

    /**
     * Watches everything under {@code txn/} with one persistent recursive watch: each node created
     * or deleted there (a transaction, a vote, the decision, an ack, a lease node) reaches
     * {@code watcher} with its path. False on a server older than ZooKeeper 3.6.
     */
    public CompletableFuture<Boolean> watchTransactions(Watcher watcher) {
        return zk.addPersistentRecursiveWatch(layout.txns(), watcher);
    }

    /** Removes the watch of {@link #watchTransactions}, locally even if the server is unreachable. */
    public void unwatchTransactions(Watcher watcher) {
        zk.removeWatch(layout.txns(), watcher);
    }

    /** What a path under {@code txn/} is. */
    public enum NodeKind { RECORD, VOTE, DECISION, ACK, HEURISTIC_ACK, LEASE, OTHER }

    /** A path under {@code txn/}: the transaction, what the node is, and its name (the participant, the lease node). */
    public record TxnPath(String txnId, NodeKind kind, String name) {
    }

    /** What {@code path} (a watch event's) is, or null if it is not under {@code txn/<id>}. */
    public @Nullable TxnPath txnPath(@Nullable String path) {
        String prefix = layout.txns() + "/";
        if (path == null || !path.startsWith(prefix)) {
            return null;
        }
        String[] parts = path.substring(prefix.length()).split("/", -1);
        String txnId = parts[0];
        if (parts.length == 1) {
            return new TxnPath(txnId, NodeKind.RECORD, "");
        }
        String child = parts[1];
        if (parts.length == 2) {
            if (child.equals(TxnLayout.DECISION)) {
                return new TxnPath(txnId, NodeKind.DECISION, child);
            }
            if (child.startsWith(TxnLayout.VOTE)) {
                return new TxnPath(txnId, NodeKind.VOTE, child.substring(TxnLayout.VOTE.length()));
            }
            if (child.startsWith(TxnLayout.ACK)) {
                return new TxnPath(txnId, NodeKind.ACK, child.substring(TxnLayout.ACK.length()));
            }
            if (child.startsWith(TxnLayout.HEURISTIC)) {
                return new TxnPath(txnId, NodeKind.HEURISTIC_ACK, child.substring(TxnLayout.HEURISTIC.length()));
            }
            if (CallerQueues.isQueueNode(child)) {
                return new TxnPath(txnId, NodeKind.LEASE, child);
            }
        }
        return new TxnPath(txnId, NodeKind.OTHER, path);
    }

    /** The participants named by the children of a record that have {@code prefix}. */
    private static List<String> named(List<String> children, String prefix) {
        List<String> names = new ArrayList<>();
        for (String child : children) {
            if (child.startsWith(prefix)) {
                names.add(child.substring(prefix.length()));
            }
        }
        return names;
    }

    /** Creates the history keeper's queue if missing. */
    public CompletableFuture<Void> ensureHistoryKeeperQueue() {
        return zk.ensure(layout.historyKeeper());
    }

    /**
     * The begin: the record, inbox entries (each with the record's fields and its participant's
     * payload, so a host prepares after one read) and, last, {@code leaseOp} (the beginning
     * instance's lease node in the driver queue, which is the record).
     */
    public List<Op> beginOps(TxnRecord record, Map<String, byte[]> branches, Op leaseOp) {
        String id = record.txnId();
        List<ACL> acl = zk.acl();
        List<Op> ops = new ArrayList<>();
        ops.add(Op.create(layout.record(id), TxnCodec.record(record), acl, CreateMode.PERSISTENT));
        branches.forEach((participant, payload) -> ops.add(Op.create(layout.inboxEntry(participant, id),
                TxnCodec.entry(record, payload), acl, CreateMode.PERSISTENT)));
        ops.add(leaseOp);
        return ops;
    }

    /**
     * Sends the begin, once: never a second time, by anyone. It waits up to the connection timeout
     * for a connection first, so that a begin that cannot be sent fails as not sent.
     *
     * @return a future that fails with {@link NotSentException} if there was no connection to send
     *     it on (nothing was written), with the {@link KeeperException} ZooKeeper answered (for an
     *     {@linkplain ZkErrors#isAmbiguous ambiguous} code the begin may or may not have taken
     *     effect), or with another exception if the client failed after sending (ambiguous too);
     *     on success, with the results of the begin's operations, in order
     */
    public CompletableFuture<List<OpResult>> begin(List<Op> ops) {
        long timeout = zk.connectionTimeoutMillis();
        return zk.connected(timeout).thenCompose(connected -> {
            if (!connected) {
                throw new CompletionException(new NotSentException("no connection to ZooKeeper within " + timeout
                        + " ms"));
            }
            return zk.multiOnce(ops);
        });
    }

    /** A write that was never sent: there was no connection. Nothing was written. */
    public static final class NotSentException extends Exception {
        private static final long serialVersionUID = 1L;

        NotSentException(String message) {
            super(message);
        }
    }

    /** Has the server the session talks to catch up with the leader (see {@link ZkAsync#sync}). */
    public CompletableFuture<Void> syncWithLeader(String txnId) {
        return zk.sync(layout.record(txnId));
    }

    /** The record, or null if the transaction is not (or no longer) there. */
    public CompletableFuture<@Nullable TxnRecord> record(String txnId) {
        return zk.data(layout.record(txnId), null).thenApply(node -> node == null ? null
                : decoded(() -> TxnCodec.record(txnId, node.data())));
    }

    /** Whether the record exists. */
    public CompletableFuture<Boolean> exists(String txnId) {
        return zk.exists(layout.record(txnId), null).thenApply(stat -> stat != null);
    }

    /**
     * Reads, in one round trip, the votes not read yet (the listing of the record's children,
     * watched with {@code voteWatcher} unless null, and every missing participant's vote node) when
     * {@code withVotes}, and the decision ({@link #decision}).
     */
    public CompletableFuture<VotesAndDecision> votesAndDecision(String txnId, TxnRecord record, Set<String> known,
            boolean withVotes, @Nullable Watcher voteWatcher, @Nullable Watcher decisionWatcher, boolean decisionLikely) {
        CompletableFuture<@Nullable List<String>> names = withVotes ? zk.children(layout.record(txnId), voteWatcher)
                : CompletableFuture.completedFuture(List.of());
        Map<String, CompletableFuture<ZkAsync.@Nullable Node>> nodes = new LinkedHashMap<>();
        if (withVotes) {
            for (String participant : record.participants()) {
                if (!known.contains(participant)) {
                    nodes.put(participant, zk.data(layout.vote(txnId, participant), null));
                }
            }
        }
        CompletableFuture<@Nullable DecisionRead> decided = decision(txnId, decisionWatcher, decisionLikely);
        List<CompletableFuture<?>> all = new ArrayList<>(nodes.values());
        all.add(names);
        all.add(decided);
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<String, VoteRead> votes = new LinkedHashMap<>();
            nodes.forEach((participant, reply) -> {
                ZkAsync.Node node = reply.join();
                if (node != null) {
                    votes.put(participant, readVote(txnId, participant, node));
                }
            });
            List<String> listed = names.join();
            return new VotesAndDecision(listed == null ? List.of() : named(listed, TxnLayout.VOTE), votes,
                    decided.join());
        });
    }

    /** The votes of participants not in {@code known}, without a watch: for an outcome's full list of votes. */
    public CompletableFuture<Map<String, VoteRead>> votes(String txnId, TxnRecord record, Set<String> known) {
        Map<String, CompletableFuture<ZkAsync.@Nullable Node>> nodes = new LinkedHashMap<>();
        for (String participant : record.participants()) {
            if (!known.contains(participant)) {
                nodes.put(participant, zk.data(layout.vote(txnId, participant), null));
            }
        }
        return CompletableFuture.allOf(nodes.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<String, VoteRead> votes = new LinkedHashMap<>();
            nodes.forEach((participant, reply) -> {
                ZkAsync.Node node = reply.join();
                if (node != null) {
                    votes.put(participant, readVote(txnId, participant, node));
                }
            });
            return votes;
        });
    }

    private static VoteRead readVote(String txnId, String participant, ZkAsync.Node node) {
        try {
            return new VoteRead(TxnCodec.vote(txnId, participant, node.data()), null, node.stat().getCzxid());
        } catch (CorruptNodeException e) {
            return new VoteRead(null, String.valueOf(e.getMessage()), node.stat().getCzxid());
        }
    }

    /**
     * The decision, or null with a watch for its creation. {@code likelyPresent} (a watch said it
     * was created) reads it with one request; otherwise an {@code exists} sets the watch.
     */
    public CompletableFuture<@Nullable DecisionRead> decision(String txnId, @Nullable Watcher watcher,
            boolean likelyPresent) {
        return zk.settledData(layout.decision(txnId), watcher, likelyPresent).thenApply(node -> node == null ? null
                : new DecisionRead(decoded(() -> TxnCodec.decision(txnId, node.data())), node.stat().getCzxid()));
    }

    /**
     * Creates the decision, whoever creates it first decides, and in the same write a marker of it
     * in the inbox entry of each of {@code participants}, which tells their hosts the decision
     * through the watch they keep on their inbox, with no read.
     */
    public CompletableFuture<DecisionWrite> decide(String txnId, Decision decision, List<String> participants) {
        List<Op> ops = new ArrayList<>();
        ops.add(Op.create(layout.decision(txnId), TxnCodec.decision(decision), zk.acl(), CreateMode.PERSISTENT));
        markers(ops, txnId, participants, decision.commit());
        return sendWithMarkers(ops, txnId).thenApply(reply -> {
            if (reply.code() == KeeperException.Code.OK) {
                return new DecisionWrite(Created.CREATED);
            }
            if (reply.failedIndex() == 0 && reply.codeOf(0) == KeeperException.Code.NODEEXISTS) {
                return new DecisionWrite(Created.EXISTS);
            }
            if (reply.failedIndex() == 0 && reply.codeOf(0) == KeeperException.Code.NONODE) {
                return new DecisionWrite(Created.NO_PARENT);
            }
            throw new CompletionException(failure(reply, ops));
        });
    }

    void markers(List<Op> ops, String txnId, List<String> participants, boolean commit) {
        DecisionMarkers.add(zk, layout, ops, txnId, participants, commit);
    }

    /** Sends a {@code multi} that creates the decision of {@code txnId} with its markers. */
    CompletableFuture<ZkAsync.MultiReply> sendWithMarkers(List<Op> ops, String txnId) {
        return DecisionMarkers.send(zk, ops, layout.decision(txnId));
    }

    static KeeperException failure(ZkAsync.MultiReply reply, List<Op> ops) {
        return DecisionMarkers.failure(reply, ops);
    }

    /**
     * The acknowledgements, with the record's children watched (any child created or deleted);
     * null if the transaction is gone. A heuristic outcome is in the acknowledgement's name, so
     * plain ones cost no read.
     */
    public CompletableFuture<@Nullable Acks> acks(String txnId, Watcher watcher) {
        return zk.children(layout.record(txnId), watcher).thenApply(children -> {
            if (children == null) {
                return null;
            }
            // Once per participant: two instances of one may have acknowledged, one plainly and
            // one with a heuristic; a collect then deletes the heuristic one, the plain one left
            // fails the record's delete, and the listed collect deletes both.
            Set<String> names = new LinkedHashSet<>(named(children, TxnLayout.ACK));
            List<String> heuristic = named(children, TxnLayout.HEURISTIC);
            names.addAll(heuristic);
            return new Acks(List.copyOf(names), Set.copyOf(heuristic));
        });
    }

    /** The heuristic outcomes the acknowledgements of {@code reporting} report, by participant. */
    public CompletableFuture<Map<String, String>> heuristics(String txnId, Set<String> reporting) {
        Map<String, CompletableFuture<ZkAsync.@Nullable Node>> reads = new LinkedHashMap<>();
        reporting.stream().sorted().forEach(participant -> reads.put(participant,
                zk.data(layout.ack(txnId, participant, true), null)));
        return CompletableFuture.allOf(reads.values().toArray(CompletableFuture[]::new)).thenApply(done -> {
            Map<String, String> found = new LinkedHashMap<>();
            reads.forEach((participant, reply) -> {
                ZkAsync.Node node = reply.join();
                Optional<String> heuristic = node == null ? Optional.empty()
                        : decoded(() -> Optional.ofNullable(TxnCodec.ackHeuristic(txnId, participant, node.data())));
                if (heuristic.isPresent()) {
                    found.put(participant, heuristic.get());
                }
            });
            return found;
        });
    }

    /**
     * Deletes every node of a finished transaction, the driver lease node included
     * ({@code leaseRelease}, whose path is {@code leasePath}), and records {@code outcome} in the
     * history (with {@code trim}'s deletes and mark), in one write. With {@code known}, it
     * deletes those children without listing; only if the write meets a node it did not know (a
     * vote cast after the outcome was read, a competitor's queue node) does it list everything
     * and try again.
     *
     * @throws CorruptNodeException (in the future) if the transaction has nodes the protocol did
     *     not create: it is then left in place
     */
    public CompletableFuture<Collected> collect(String txnId, @Nullable Known known, Op leaseRelease, String leasePath,
            Outcome outcome, HistoryTrim trim) {
        CompletableFuture<List<Op>> ops = known == null ? listedOps(txnId, leaseRelease, leasePath)
                : CompletableFuture.completedFuture(knownOps(txnId, known, leaseRelease));
        return ops.thenCompose(deletes -> {
            List<Op> all = new ArrayList<>(deletes);
            all.addAll(history.entryOps(outcome, trim));
            return zk.multi(all);
        }).handle((results, failure) -> {
            if (failure == null) {
                return CompletableFuture.completedFuture(Collected.COLLECTED);
            }
            Throwable cause = unwrap(failure);
            if (cause instanceof KeeperException.NotEmptyException) {
                if (known != null) {
                    return collect(txnId, null, leaseRelease, leasePath, outcome, trim);
                }
                throw new CompletionException(new CorruptNodeException("transaction " + txnId + " has nodes the"
                        + " protocol did not create (under " + ((KeeperException) cause).getPath()
                        + "); it is complete but left in place"));
            }
            if (cause instanceof KeeperException.NoNodeException) {
                // Collected already (a resend after a lost reply), unless only some node was missing.
                return exists(txnId).thenApply(present -> {
                    if (present) {
                        throw new CompletionException(cause);
                    }
                    return Collected.ALREADY;
                });
            }
            throw new CompletionException(cause);
        }).thenCompose(next -> next);
    }

    private List<Op> knownOps(String txnId, Known known, Op leaseRelease) {
        List<Op> ops = new ArrayList<>();
        for (String participant : known.acks()) {
            ops.add(Op.delete(layout.ack(txnId, participant, known.heuristic().contains(participant)), -1));
        }
        for (String participant : known.votes()) {
            ops.add(Op.delete(layout.vote(txnId, participant), -1));
        }
        ops.add(Op.delete(layout.decision(txnId), -1));
        ops.add(leaseRelease);
        ops.add(Op.delete(layout.record(txnId), -1));
        return ops;
    }

    /**
     * The collect's deletes from one listing of the record: its votes, acknowledgements, decision
     * and lease nodes (a competitor's too: it is about to withdraw its one-shot attempt). A child
     * of another kind is not deleted, so the record's delete fails and the transaction is left in
     * place as not the protocol's.
     */
    private CompletableFuture<List<Op>> listedOps(String txnId, Op leaseRelease, String leasePath) {
        String record = layout.record(txnId);
        return zk.children(record, null).thenApply(children -> {
            List<Op> ops = new ArrayList<>();
            for (String child : children == null ? List.<String>of() : children) {
                String path = record + "/" + child;
                TxnPath kind = txnPath(path);
                if (kind != null && kind.kind() != NodeKind.OTHER && kind.kind() != NodeKind.DECISION
                        && !path.equals(leasePath)) {
                    ops.add(Op.delete(path, -1));
                }
            }
            // The decision and the lease are deleted whether listed or not, as the known deletes
            // are: a collect that finds one gone (a resend after it went) fails and finds the
            // record gone (ALREADY) or not (the failure).
            ops.add(Op.delete(layout.decision(txnId), -1));
            ops.add(leaseRelease);
            ops.add(Op.delete(record, -1));
            return ops;
        });
    }

    /** The ids under {@code txn/} that are transactions, sorted. */
    public CompletableFuture<List<String>> openTransactions() {
        return zk.children(layout.txns(), null).thenApply(children -> {
            List<String> ids = new ArrayList<>();
            for (String child : children == null ? List.<String>of() : children) {
                if (TxnNames.isTxnId(child)) {
                    ids.add(child);
                }
            }
            ids.sort(null);
            return ids;
        });
    }

    /**
     * Decides ABORT for an open transaction without a decision, as an operator: the record must
     * still exist (so a collected transaction is never brought back).
     *
     * @return true if the decision now is this ABORT (also when a resend of this very write made
     *     it); false if another decision stands; null if there is no such open transaction
     */
    public CompletableFuture<@Nullable Boolean> abortByOperator(String txnId, Decision abort) {
        byte[] data = TxnCodec.decision(abort);
        return record(txnId).thenCompose(record -> {
            if (record == null) {
                return CompletableFuture.<@Nullable Boolean>completedFuture(null);
            }
            List<Op> ops = new ArrayList<>();
            ops.add(Op.check(layout.record(txnId), -1));
            ops.add(Op.create(layout.decision(txnId), data, zk.acl(), CreateMode.PERSISTENT));
            markers(ops, txnId, record.participants(), false);
            return sendWithMarkers(ops, txnId).thenCompose(reply -> {
                if (reply.code() == KeeperException.Code.OK) {
                    return CompletableFuture.completedFuture(Boolean.TRUE);
                }
                int failed = reply.failedIndex();
                if (failed == 0 && reply.codeOf(0) == KeeperException.Code.NONODE) {
                    return CompletableFuture.<@Nullable Boolean>completedFuture(null);
                }
                if (failed == 1 && reply.codeOf(1) == KeeperException.Code.NODEEXISTS) {
                    return zk.data(layout.decision(txnId), null).thenApply(node ->
                            node != null && java.util.Arrays.equals(node.data(), data));
                }
                throw new CompletionException(failure(reply, ops));
            });
        });
    }

    static Created created(ZkAsync.Created created) {
        return Created.valueOf(created.name());
    }

    /** The cause a future failed with, without the wrappers of its stages. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** A decoding that may find a damaged node, inside a future's stage. */
    interface Decoding<T> {
        T decode() throws CorruptNodeException;
    }

    static <T> T decoded(Decoding<T> decoding) {
        try {
            return decoding.decode();
        } catch (CorruptNodeException e) {
            throw new CompletionException(e);
        }
    }
}
