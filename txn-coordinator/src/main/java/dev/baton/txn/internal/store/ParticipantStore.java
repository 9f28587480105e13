package dev.baton.txn.internal.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * The participants' side of the store: each participant's live instances and inbox, and the
 * reads and writes of a branch (its vote, its acknowledgement). Part of {@link TxnStore}; the same
 * rules hold: asynchronous, typed, never retried here.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class ParticipantStore {

    /**
     * What a branch task asks for in one round trip: its inbox entry (which carries the record's
     * fields and the payload), the record node itself (for an orphan, which has no entry), this
     * participant's vote, and the decision (watched for its creation).
     */
    public record BranchQuery(boolean entry, boolean record, boolean vote, boolean decision) {
    }

    /**
     * What one round trip found: each field is null if it was not asked for or is absent; an entry
     * asked for is {@code entryExists}, and gives {@code record} and {@code payload}.
     */
    public record BranchRead(boolean entryExists, @Nullable TxnRecord record, @Nullable CastVote vote,
            byte @Nullable [] payload, TxnStore.@Nullable DecisionRead decision) {
    }

    private final ZkAsync zk;
    private final TxnLayout layout;

    ParticipantStore(ZkAsync zk, TxnLayout layout) {
        this.zk = zk;
        this.layout = layout;
    }

    /** Creates the participant's inbox and live nodes if missing. */
    public CompletableFuture<Void> ensure(String participant) {
        return CompletableFuture.allOf(zk.ensure(layout.inbox(participant)), zk.ensure(layout.live(participant)));
    }

    /** (Re)creates this instance's ephemeral live node, replacing one left by an earlier session. */
    public CompletableFuture<Void> register(String participant, String instance) {
        String path = layout.live(participant) + "/" + instance;
        long session = zk.sessionId();
        return zk.exists(path, null).thenCompose(stat -> stat != null && stat.getEphemeralOwner() != session
                ? zk.delete(path).thenApply(deleted -> null) : CompletableFuture.completedFuture(null))
                .thenCompose(cleared -> zk.create(path, instance.getBytes(StandardCharsets.UTF_8), CreateMode.EPHEMERAL))
                .thenApply(created -> null);
    }

    /** Removes this instance's live node. */
    public CompletableFuture<Boolean> unregister(String participant, String instance) {
        return zk.delete(layout.live(participant) + "/" + instance);
    }

    /** The participant's live instances, watched; null if no host ever registered it. */
    public CompletableFuture<@Nullable List<String>> liveInstances(String participant, Watcher watcher) {
        return zk.children(layout.live(participant), watcher);
    }

    /** The transactions in the participant's inbox (and foreign names), watched unless null; null if missing. */
    public CompletableFuture<@Nullable List<String>> inbox(String participant, @Nullable Watcher watcher) {
        return zk.children(layout.inbox(participant), watcher);
    }

    /**
     * Watches the inbox with a persistent recursive watch: every entry created or deleted below it
     * reaches {@code watcher} with its path. False on a server older than ZooKeeper 3.6.
     */
    public CompletableFuture<Boolean> watchInbox(String participant, Watcher watcher) {
        return zk.addPersistentRecursiveWatch(layout.inbox(participant), watcher);
    }

    /** Removes a watch added by {@link #watchInbox}, locally even if the server is unreachable. */
    public void unwatchInbox(String participant, Watcher watcher) {
        zk.removeWatch(layout.inbox(participant), watcher);
    }

    /** The transaction id an inbox watch event's path names, or null if it is not an entry of this inbox. */
    public @Nullable String inboxEntryOf(String participant, @Nullable String path) {
        String prefix = layout.inbox(participant) + "/";
        return path == null || !path.startsWith(prefix) || path.indexOf('/', prefix.length()) >= 0 ? null
                : path.substring(prefix.length());
    }

    /** The path of an inbox entry, for messages about foreign entries. */
    public String describeEntry(String participant, String name) {
        return layout.inboxEntry(participant, name);
    }

    /**
     * Reads what {@code query} asks for in one round trip, sent back to back on the session (the
     * unwatched reads grouped with this session's others, {@link ZkAsync#dataGrouped}): the
     * inbox entry (record fields and payload), or the record node; this participant's vote
     * (before the decision: a NO vote carries its ABORT); the decision, watching for its creation
     * unless {@code decisionLikely}.
     */
    public CompletableFuture<BranchRead> read(String txnId, String participant, BranchQuery query,
            @Nullable Watcher decisionWatcher, boolean decisionLikely) {
        CompletableFuture<ZkAsync.@Nullable Node> entry = query.entry()
                ? zk.dataGrouped(layout.inboxEntry(participant, txnId)) : none();
        CompletableFuture<ZkAsync.@Nullable Node> record = query.record() ? zk.dataGrouped(layout.record(txnId)) : none();
        CompletableFuture<ZkAsync.@Nullable Node> vote = query.vote() ? zk.dataGrouped(layout.vote(txnId, participant)) : none();
        CompletableFuture<ZkAsync.@Nullable Node> decision = query.decision()
                ? zk.settledData(layout.decision(txnId), decisionWatcher, decisionLikely) : none();
        return CompletableFuture.allOf(entry, record, vote, decision).thenApply(done -> {
            ZkAsync.Node entryNode = entry.join();
            ZkAsync.Node recordNode = record.join();
            // An entry whose transaction is gone is dropped whatever it holds: decode it only if needed.
            boolean gone = query.record() && recordNode == null;
            TxnCodec.Entry found = entryNode == null || gone ? null
                    : TxnStore.decoded(() -> TxnCodec.entry(txnId, participant, entryNode.data()));
            ZkAsync.Node voteNode = vote.join();
            ZkAsync.Node decisionNode = decision.join();
            return new BranchRead(entryNode != null,
                    recordNode != null ? TxnStore.decoded(() -> TxnCodec.record(txnId, recordNode.data()))
                            : found != null && !query.record() ? found.record() : null,
                    voteNode == null ? null : TxnStore.decoded(() -> TxnCodec.vote(txnId, participant, voteNode.data())),
                    found == null ? null : found.payload(),
                    decisionNode == null ? null : new TxnStore.DecisionRead(TxnStore.decoded(() ->
                            TxnCodec.decision(txnId, decisionNode.data())), decisionNode.stat().getCzxid()));
        });
    }

    private static CompletableFuture<ZkAsync.@Nullable Node> none() {
        return CompletableFuture.completedFuture(null);
    }

    /** Writes this participant's YES vote: the first vote written for the participant counts. */
    public CompletableFuture<TxnStore.Created> voteYes(String txnId, String participant, CastVote vote) {
        return zk.create(layout.vote(txnId, participant), TxnCodec.vote(vote), CreateMode.PERSISTENT)
                .thenApply(TxnStore::created);
    }

    /**
     * Writes a NO vote and the ABORT it carries (with its markers for {@code participants}), in one
     * write, so nobody has to wait for a coordinator; if that fails (a decision or a vote is there
     * already), the vote alone. The decision comes first in the write, the vote last: a
     * coordinator's watch then tells of the ABORT before the vote, so one that has seen every vote
     * node has seen this ABORT too and does not send a COMMIT that can only fail.
     */
    public CompletableFuture<TxnStore.Created> voteNo(String txnId, String participant, CastVote vote, Decision abort,
            List<String> participants) {
        byte[] data = TxnCodec.vote(vote);
        List<Op> ops = new ArrayList<>();
        ops.add(Op.create(layout.decision(txnId), TxnCodec.decision(abort), zk.acl(), CreateMode.PERSISTENT));
        DecisionMarkers.add(zk, layout, ops, txnId, participants, false);
        ops.add(Op.create(layout.vote(txnId, participant), data, zk.acl(), CreateMode.PERSISTENT));
        return DecisionMarkers.send(zk, ops, layout.vote(txnId, participant)).thenCompose(reply -> {
            if (reply.code() == KeeperException.Code.OK) {
                return CompletableFuture.completedFuture(TxnStore.Created.CREATED);
            }
            if (reply.failedIndex() < 0 || ZkErrors.isAmbiguous(KeeperException.create(reply.code()))) {
                throw new CompletionException(DecisionMarkers.failure(reply, ops));
            }
            return zk.create(layout.vote(txnId, participant), data, CreateMode.PERSISTENT).thenApply(TxnStore::created);
        });
    }

    /**
     * The acknowledgement and the removal of the inbox entry (with the marker of the decision
     * applied), in one write; one by one if that fails (the marker was never written, say). A
     * heuristic outcome is an acknowledgement of its own name ({@link TxnLayout#HEURISTIC}), with
     * the heuristic in its data, so a driver that lists the acknowledgements knows which to read.
     */
    public CompletableFuture<Void> acknowledge(String txnId, String participant, boolean commit,
            @Nullable String heuristic) {
        String ack = layout.ack(txnId, participant, heuristic != null);
        String entry = layout.inboxEntry(participant, txnId);
        byte[] data = TxnCodec.ack(heuristic);
        List<Op> ops = new ArrayList<>();
        ops.add(Op.create(ack, data, zk.acl(), CreateMode.PERSISTENT));
        ops.add(Op.delete(layout.decisionMarker(participant, txnId, commit), -1));
        ops.add(Op.delete(entry, -1));
        return zk.multi(ops).handle((results, failure) -> {
            if (failure == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = TxnStore.unwrap(failure);
            if (!(cause instanceof KeeperException) || ZkErrors.isAmbiguous(cause)) {
                throw new CompletionException(cause);
            }
            return zk.create(ack, data, CreateMode.PERSISTENT)
                    .thenCompose(created -> zk.delete(layout.decisionMarker(participant, txnId, true)))
                    .thenCompose(deleted -> zk.delete(layout.decisionMarker(participant, txnId, false)))
                    .thenCompose(deleted -> zk.delete(entry)).thenApply(deleted -> (Void) null);
        }).thenCompose(next -> next);
    }

    /** Drops an inbox entry whose transaction is gone (with any marker in it); false if it was already gone. */
    public CompletableFuture<Boolean> dropEntry(String participant, String txnId) {
        return zk.delete(layout.decisionMarker(participant, txnId, true))
                .thenCompose(deleted -> zk.delete(layout.decisionMarker(participant, txnId, false)))
                .thenCompose(deleted -> zk.delete(layout.inboxEntry(participant, txnId)));
    }

    /** A decision marker an inbox watch event named: the transaction, and whether it is COMMIT. */
    public record Marker(String txnId, boolean commit) {
    }

    /** The marker an inbox watch event's path names, or null if it is not a marker of this inbox. */
    public @Nullable Marker markerOf(String participant, @Nullable String path) {
        String prefix = layout.inbox(participant) + "/";
        if (path == null || !path.startsWith(prefix)) {
            return null;
        }
        String rest = path.substring(prefix.length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            return null;
        }
        String kind = rest.substring(slash + 1);
        return kind.equals("COMMIT") || kind.equals("ABORT") ? new Marker(rest.substring(0, slash), kind.equals("COMMIT"))
                : null;
    }

    /** Whether the inbox entry exists. */
    public CompletableFuture<Boolean> hasEntry(String participant, String txnId) {
        return zk.exists(layout.inboxEntry(participant, txnId), null).thenApply(stat -> stat != null);
    }
}
