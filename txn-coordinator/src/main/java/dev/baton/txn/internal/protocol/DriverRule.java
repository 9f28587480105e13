package dev.baton.txn.internal.protocol;

import dev.baton.txn.Vote;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
            boolean decisionRead, Map<String, Vote> votes, @Nullable List<String> acks, boolean acksListed, long now,
            Seen seen) {

        /** A view with nothing seen through events (the rule then reads). */
        public View(boolean beginUncertain, boolean claimed, boolean queueMissing, boolean driving,
                boolean callerWaiting, @Nullable TxnRecord record, boolean recordRead, @Nullable Decision decision,
                boolean decisionRead, Map<String, Vote> votes, @Nullable List<String> acks, boolean acksListed,
                long now) {
            this(beginUncertain, claimed, queueMissing, driving, callerWaiting, record, recordRead, decision,
                    decisionRead, votes, acks, acksListed, now, Seen.NOTHING);
        }
    }

    /**
     * What the coordinator's watch on {@code txn/} told of the transaction. {@code trusted} only if
     * the watch saw every event since the transaction was begun (this instance began it, or learnt
     * of it by the watch, and was not disconnected since): the rule then reads none of what it
     * tells. A vote node seen counts as YES: a NO is written with its ABORT, so a COMMIT decided on
     * seen votes fails if one was NO, and the decision is then read.
     *
     * @param leaseHeld a lease node is in the driver queue (someone drives)
     * @param votes the participants whose vote node was created
     * @param decision the decision node was created (by anyone)
     * @param acks the participants whose acknowledgement was created
     * @param recordDeleted the record was deleted: the transaction was collected (by anyone)
     */
    public record Seen(boolean trusted, boolean leaseHeld, Set<String> votes, boolean decision, Set<String> acks,
            boolean recordDeleted) {

        public static final Seen NOTHING = new Seen(false, false, Set.of(), false, Set.of(), false);

        public Seen {
            votes = Set.copyOf(votes);
            acks = Set.copyOf(acks);
        }
    }

    private DriverRule() {
    }

    public static Next next(View view) {
        if (view.beginUncertain()) {
            return Next.of(Step.RESOLVE_BEGIN);
        }
        Seen seen = view.seen();
        if (seen.trusted() && seen.recordDeleted()) {
            return Next.of(Step.RECORD_GONE);
        }
        if (!view.claimed()) {
            // While events show a lease node in the queue, a follower whose caller does not wait
            // reads nothing: every instance follows every transaction.
            return seen.trusted() && seen.leaseHeld() && !view.driving() && !view.callerWaiting()
                    ? Next.of(Step.FOLLOW) : Next.of(Step.CLAIM);
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
        if (view.decision() == null && seen.trusted() && view.driving()) {
            if (seen.decision() && !view.decisionRead()) {
                // Someone else decided (a NO voter, a participant at its deadline, an operator).
                return Next.of(Step.READ_VOTES_AND_DECISION);
            }
            if (!seen.decision()) {
                Decision decision = decideFromEvents(view.record(), seen.votes(), view.now());
                return decision == null ? new Next(Step.WAIT_FOR_VOTES, null, view.record().deadlineMillis() + 1)
                        : new Next(Step.DECIDE, decision, 0);
            }
            // Seen, yet the read found none: collected meanwhile; the steps below find it gone.
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
        if (seen.trusted()) {
            return Next.of(seen.acks().containsAll(view.record().participants()) ? Step.COLLECT : Step.WAIT_FOR_ACKS);
        }
        if (view.acks() == null) {
            // Not listed in this session, or an ack came since: list (and watch) them; a listing
            // that finds no ack parent means the transaction was collected meanwhile.
            return Next.of(view.acksListed() ? Step.RECORD_GONE : Step.LIST_ACKS);
        }
        return Next.of(view.acks().containsAll(view.record().participants()) ? Step.COLLECT : Step.WAIT_FOR_ACKS);
    }

    /**
     * The decision events and the clock call for, or null to keep waiting: COMMIT once every
     * participant's vote node was seen (a NO would have brought its ABORT, which the COMMIT's create
     * then finds), ABORT once the deadline passed with vote nodes missing.
     */
    public static @Nullable Decision decideFromEvents(TxnRecord record, Set<String> voted, long now) {
        if (voted.containsAll(record.participants())) {
            return Decision.commit("all " + record.participants().size() + " participants voted YES");
        }
        if (now >= record.deadlineMillis()) {
            List<String> missing = new ArrayList<>(record.participants());
            missing.removeAll(voted);
            return Decision.abort("the deadline passed without a vote from " + missing);
        }
        return null;
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
