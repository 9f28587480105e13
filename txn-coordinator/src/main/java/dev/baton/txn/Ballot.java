package dev.baton.txn;

import dev.baton.txn.StepListener.Step;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;

/**
 * The votes of one transaction as a coordinator has read them from {@code vote/}, each with the
 * zxid it was cast at, so that an outcome lists only the votes cast before the decision (a
 * participant may still vote after an ABORT at the deadline). A NO vote is written in the same
 * {@code multi} as its ABORT, so it has the decision's zxid and counts.
 *
 * <p>Thread safety: used under its {@link TxnDriver}'s lock.
 */
final class Ballot {

    private final CoordinatorCore core;
    private final String txnId;
    private final Map<String, Vote> votes = new LinkedHashMap<>();
    private final Map<String, Long> castAt = new HashMap<>();
    private long decidedAt = Long.MAX_VALUE;
    private boolean someVotesReported;

    Ballot(CoordinatorCore core, String txnId) {
        this.core = core;
        this.txnId = txnId;
    }

    /** A ballot for reading only, which tells no {@link StepListener}. */
    static Ballot forLookup(CoordinatorCore core, String txnId) {
        Ballot ballot = new Ballot(core, txnId);
        ballot.someVotesReported = true;
        return ballot;
    }

    /** Reads the votes not read yet, watching {@code vote/} with {@code watch} if not null. */
    void read(TxnRecord record, Watcher watch) throws Exception {
        List<String> names = core.zk.children(core.layout.votes(txnId), watch);
        if (names == null) {
            return;
        }
        for (String name : names) {
            if (votes.containsKey(name)) {
                continue;
            }
            if (!record.participants().contains(name)) {
                core.report(txnId, "a vote from '" + name + "', which is not a participant, is ignored");
                continue;
            }
            Stat stat = new Stat();
            byte[] data = core.zk.data(core.layout.vote(txnId, name), stat, null);
            if (data == null) {
                continue;
            }
            try {
                votes.put(name, Decision.decodeVote(txnId, name, data).vote());
            } catch (CorruptNodeException e) {
                core.report(txnId, e.getMessage());
                votes.put(name, Vote.no("unreadable vote: " + e.getMessage()));
            }
            castAt.put(name, stat.getCzxid());
        }
        if (!someVotesReported && !votes.isEmpty() && votes.size() < record.participants().size()) {
            someVotesReported = true;
            core.step(Step.SOME_VOTES, txnId);
        }
    }

    /** Reads any vote not read yet, without a watch. */
    void readAll(TxnRecord record) throws Exception {
        if (!votes.keySet().containsAll(record.participants())) {
            read(record, null);
        }
    }

    /** The votes read so far, by participant. */
    Map<String, Vote> votes() {
        return Collections.unmodifiableMap(votes);
    }

    /** Notes the zxid of the decision's creation. */
    void decidedAt(long zxid) {
        decidedAt = zxid;
    }

    /** The votes cast no later than the decision, in the participants' order. */
    Map<String, Vote> castBeforeDecision(TxnRecord record) {
        Map<String, Vote> cast = new LinkedHashMap<>();
        for (String participant : record.participants()) {
            Long zxid = castAt.get(participant);
            if (zxid != null && zxid <= decidedAt) {
                cast.put(participant, votes.get(participant));
            }
        }
        return cast;
    }
}
