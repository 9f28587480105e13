package dev.baton.txn.internal.protocol;

import dev.baton.txn.Vote;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.ReadBatch;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnRecord;

import dev.baton.txn.internal.protocol.StepListener.Step;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.Watcher;

/**
 * The votes of one transaction as a coordinator has read them from {@code vote/}, each with the
 * zxid it was cast at, so that an outcome lists only the votes cast before the decision (a
 * participant may still vote after an ABORT at the deadline). A NO vote is written in the same
 * {@code multi} as its ABORT, so it has the decision's zxid and counts.
 *
 * <p>Thread safety: used under its {@link TxnDriver}'s lock.
 */
public final class Ballot {

    private final CoordinatorCore core;
    private final String txnId;
    private final Map<String, Vote> votes = new LinkedHashMap<>();
    private final Map<String, Long> castAt = new HashMap<>();
    private long decidedAt = Long.MAX_VALUE;
    private boolean someVotesReported;

    public Ballot(CoordinatorCore core, String txnId) {
        this.core = core;
        this.txnId = txnId;
    }

    /** A ballot for reading only, which tells no {@link StepListener}. */
    public static Ballot forLookup(CoordinatorCore core, String txnId) {
        Ballot ballot = new Ballot(core, txnId);
        ballot.someVotesReported = true;
        return ballot;
    }

    /** Reads the votes not read yet, watching {@code vote/} with {@code watch} if not null. */
    public void read(TxnRecord record, Watcher watch) throws Exception {
        ReadBatch batch = core.zk.batch();
        Pending pending = ask(batch, record, watch);
        batch.await();
        take(pending, record);
    }

    /**
     * Adds the reads of the votes not read yet to {@code batch}: the listing of {@code vote/}
     * (watched with {@code watch} if not null) and, in the same round trip, every missing
     * participant's vote node, so no second round trip waits on the listing. Pass the result to
     * {@link #take} once the batch is awaited.
     */
    public Pending ask(ReadBatch batch, TxnRecord record, Watcher watch) {
        CompletableFuture<List<String>> names = batch.children(core.layout.votes(txnId), watch);
        Map<String, CompletableFuture<ReadBatch.Node>> nodes = new LinkedHashMap<>();
        for (String participant : record.participants()) {
            if (!votes.containsKey(participant)) {
                nodes.put(participant, batch.data(core.layout.vote(txnId, participant), null));
            }
        }
        return new Pending(names, nodes);
    }

    /** Takes in the votes an awaited {@link #ask} found. */
    public void take(Pending pending, TxnRecord record) {
        List<String> names = pending.names().getNow(null);
        for (String name : names == null ? List.<String>of() : names) {
            if (!record.participants().contains(name)) {
                core.report(txnId, "a vote from '" + name + "', which is not a participant, is ignored");
            }
        }
        pending.nodes().forEach((name, reply) -> {
            ReadBatch.Node node = reply.getNow(null);
            if (node != null) {
                count(name, node);
            }
        });
        if (!someVotesReported && !votes.isEmpty() && votes.size() < record.participants().size()) {
            someVotesReported = true;
            core.step(Step.SOME_VOTES, txnId);
        }
    }

    private void count(String name, ReadBatch.Node node) {
        try {
            votes.put(name, TxnCodec.vote(txnId, name, node.data()).vote());
        } catch (CorruptNodeException e) {
            core.report(txnId, e.getMessage());
            votes.put(name, Vote.no("unreadable vote: " + e.getMessage()));
        }
        castAt.put(name, node.stat().getCzxid());
    }

    /** Reads any vote not read yet, without a watch. */
    public void readAll(TxnRecord record) throws Exception {
        if (!votes.keySet().containsAll(record.participants())) {
            read(record, null);
        }
    }

    /** The participants whose vote node was read, NO votes and late votes included. */
    public Set<String> voteNodesRead() {
        return Collections.unmodifiableSet(castAt.keySet());
    }

    /** The votes read so far, by participant. */
    public Map<String, Vote> votes() {
        return Collections.unmodifiableMap(votes);
    }

    /** Notes the zxid of the decision's creation. */
    public void decidedAt(long zxid) {
        decidedAt = zxid;
    }

    /** The votes cast no later than the decision, in the participants' order. */
    public Map<String, Vote> castBeforeDecision(TxnRecord record) {
        Map<String, Vote> cast = new LinkedHashMap<>();
        for (String participant : record.participants()) {
            Long zxid = castAt.get(participant);
            if (zxid != null && zxid <= decidedAt) {
                cast.put(participant, votes.get(participant));
            }
        }
        return cast;
    }

    /** The reads of one {@link #ask}: the listing of {@code vote/} and the vote nodes asked for. */
    public record Pending(CompletableFuture<List<String>> names, Map<String, CompletableFuture<ReadBatch.Node>> nodes) {
    }
}
