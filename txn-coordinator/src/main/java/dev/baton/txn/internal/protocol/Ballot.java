package dev.baton.txn.internal.protocol;

import dev.baton.txn.Vote;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.internal.store.TxnStore;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The votes of one transaction as a coordinator has read them, each with the zxid it was cast at,
 * so that an outcome lists only the votes cast before the decision (a participant may still vote
 * after an ABORT at the deadline; a NO vote is written with its ABORT, so it has the decision's
 * zxid and counts). No I/O: the driver reads, the ballot counts.
 *
 * <p>Thread safety: used by one evaluation at a time of its driver.
 */
public final class Ballot {

    private final Map<String, Vote> votes = new LinkedHashMap<>();
    private final Map<String, Long> castAt = new HashMap<>();
    private long decidedAt = Long.MAX_VALUE;

    /**
     * Takes in the votes a read found; a vote that cannot be read counts as NO, and both it and a
     * vote from a non-participant are told to {@code problems}.
     */
    public void take(TxnRecord record, List<String> listed, Map<String, TxnStore.VoteRead> read,
            Consumer<String> problems) {
        for (String name : listed) {
            if (!record.participants().contains(name)) {
                problems.accept("a vote from '" + name + "', which is not a participant, is ignored");
            }
        }
        read.forEach((participant, vote) -> {
            if (vote.vote() != null) {
                votes.put(participant, vote.vote().vote());
            } else {
                problems.accept(vote.unreadable());
                votes.put(participant, Vote.no("unreadable vote: " + vote.unreadable()));
            }
            castAt.put(participant, vote.castAt());
        });
    }

    /** The participants whose vote node was read, NO votes and late votes included. */
    public Set<String> voteNodesRead() {
        return Collections.unmodifiableSet(castAt.keySet());
    }

    /** The votes read so far, by participant. */
    public Map<String, Vote> votes() {
        return Collections.unmodifiableMap(votes);
    }

    /** Whether every participant's vote has been read. */
    public boolean complete(TxnRecord record) {
        return votes.keySet().containsAll(record.participants());
    }

    /**
     * Counts every participant's vote as YES, cast before the decision: for a COMMIT decided on
     * seen vote nodes (a NO vote is written with its ABORT, so the COMMIT's create proves there was none).
     */
    public void presumeYes(List<String> participants) {
        for (String participant : participants) {
            votes.putIfAbsent(participant, Vote.yes());
            castAt.putIfAbsent(participant, 0L);
        }
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
}
