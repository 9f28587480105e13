package dev.baton.txn.internal.protocol;

import dev.baton.txn.Vote;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The driver's rule: from what one coordinator instance knows of a transaction, its next step.
 * A pure function, so each case is a unit test without a server. {@code TxnDriver} carries the
 * steps out and comes back with what they found, until the rule says to wait.
 */
public final class DriverRule {

    /** A step. Those ending in a wait end the evaluation; the others come back to the rule. */
    public enum Step {
        /** The begin's reply was lost: find out whether it took effect. */
        RESOLVE_BEGIN,
        /** Find out whether this instance drives the transaction (and watch the lease's queue if not). */
        CLAIM,
        /** The lease's queue is gone: collected, or not a transaction of this protocol. */
        QUEUE_MISSING,
        /** Another instance drives it, and no caller here waits: nothing to do until the queue changes. */
        FOLLOW,
        READ_RECORD,
        /** The record is gone: the transaction was collected (or deleted by hand). */
        RECORD_GONE,
        /** Read the votes not read yet and the decision, in one round trip (the driver). */
        READ_VOTES_AND_DECISION,
        /** Read the decision only (a follower whose caller waits). */
        READ_DECISION,
        /** Create the decision the votes and the clock call for ({@link Next#decision()}). */
        DECIDE,
        /** Undecided; wait for votes, and at the latest until the deadline ({@link Next#wakeAt()}). */
        WAIT_FOR_VOTES,
        /** A caller here waits: give it the outcome. */
        DELIVER,
        LIST_ACKS,
        /** Every participant acknowledged: delete the transaction and record its outcome. */
        COLLECT,
        /** Decided, not every participant acknowledged yet: wait for the acks' watch. */
        WAIT_FOR_ACKS
    }

    /** A step, with the decision to create or the time to wake up at. */
    public record Next(Step step, @Nullable Decision decision, long wakeAt) {
        static Next of(Step step) {
            return new Next(step, null, 0);
        }
    }

    /**
     * What the instance knows. {@code claimed}, {@code recordRead}, {@code decisionRead} and
     * {@code acksListed} say what this evaluation has done already; the rest is carried over.
     *
     * @param record the record once read, else null
     * @param decision the decision once read or made, else null
     * @param votes the votes read so far
     * @param acks the acknowledgements as last listed, if that listing is still good (made in this
     *     session, and no ack came since), else null
     */
    public record View(boolean beginUncertain, boolean claimed, boolean queueMissing, boolean driving,
            boolean callerWaiting, @Nullable TxnRecord record, boolean recordRead, @Nullable Decision decision,
            boolean decisionRead, Map<String, Vote> votes, @Nullable List<String> acks, boolean acksListed, long now) {
    }

    private DriverRule() {
    }

    public static Next next(View view) {
        if (view.beginUncertain()) {
            return Next.of(Step.RESOLVE_BEGIN);
        }
        if (!view.claimed()) {
            return Next.of(Step.CLAIM);
        }
        if (view.queueMissing()) {
            return Next.of(Step.QUEUE_MISSING);
        }
        if (!view.driving() && !view.callerWaiting()) {
            // Every instance follows every transaction: each read here would be paid by all of them.
            return Next.of(Step.FOLLOW);
        }
        if (view.record() == null) {
            return Next.of(view.recordRead() ? Step.RECORD_GONE : Step.READ_RECORD);
        }
        if (view.decision() == null) {
            if (!view.decisionRead()) {
                return Next.of(view.driving() ? Step.READ_VOTES_AND_DECISION : Step.READ_DECISION);
            }
            if (!view.driving()) {
                return Next.of(Step.FOLLOW);
            }
            Decision decision = decide(view.record(), view.votes(), view.now());
            return decision == null ? new Next(Step.WAIT_FOR_VOTES, null, view.record().deadlineMillis() + 1)
                    : new Next(Step.DECIDE, decision, 0);
        }
        if (view.callerWaiting()) {
            return Next.of(Step.DELIVER);
        }
        if (!view.driving()) {
            return Next.of(Step.FOLLOW);
        }
        if (view.acks() == null) {
            // Not listed in this session, or an ack came since: list (and watch) them; a listing
            // that finds no ack parent means the transaction was collected meanwhile.
            return Next.of(view.acksListed() ? Step.RECORD_GONE : Step.LIST_ACKS);
        }
        return Next.of(view.acks().containsAll(view.record().participants()) ? Step.COLLECT : Step.WAIT_FOR_ACKS);
    }

    /**
     * The decision the votes and the clock call for, or null to keep waiting: ABORT on any NO,
     * COMMIT when every participant voted YES, ABORT once the deadline passed with votes missing.
     */
    public static @Nullable Decision decide(TxnRecord record, Map<String, Vote> votes, long now) {
        for (Map.Entry<String, Vote> vote : votes.entrySet()) {
            if (!vote.getValue().isYes()) {
                return Decision.abort("participant '" + vote.getKey() + "' voted NO: " + vote.getValue().reason());
            }
        }
        if (votes.keySet().containsAll(record.participants())) {
            return Decision.commit("all " + record.participants().size() + " participants voted YES");
        }
        if (now >= record.deadlineMillis()) {
            List<String> missing = new ArrayList<>(record.participants());
            missing.removeAll(votes.keySet());
            return Decision.abort("the deadline passed without a vote from " + missing);
        }
        return null;
    }
}
