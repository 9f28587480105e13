package dev.baton.txn.participant;

import dev.baton.txn.internal.store.CastVote;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnRecord;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A branch task's rule: from what one host instance knows of its participant's branch of one
 * transaction, the next step. A pure function, so each case is a unit test without a server.
 *
 * <pre>
 *  (another instance owns it) STAND_BY ──deadline+grace──▶ TAKE_OVER ─┐
 *  READ ──▶ PREPARE (vote YES/NO) ──▶ AWAIT_DECISION ──▶ APPLY ──▶ (acknowledged: done)
 *       ├──▶ VOTE_RECOVERED (prepared before a crash)    └─deadline+grace──▶ ABORT_ITSELF
 *       ├──▶ VOTE_LATE (request after the deadline: NO, nothing prepared)
 *       ├──▶ ROLL_BACK_LOSERS (another attempt's vote counts)
 *       └──▶ ENTRY_GONE / VANISHED (done elsewhere, or the transaction is gone)
 * </pre>
 */
final class BranchRule {

    /** A step. Those that wait end the evaluation; the others come back to the rule. */
    enum Step {
        /** Standing by for the owner: read the record once, for its deadline. */
        READ_RECORD_FOR_STANDBY,
        /** Another instance owns the branch: wait until it is gone, or until {@link Next#wakeAt()}. */
        STAND_BY,
        /** The owner did not finish the branch by its deadline plus the grace period: take it over. */
        TAKE_OVER,
        /** The inbox entry is gone: the branch was finished here or by another instance. */
        ENTRY_GONE,
        /** Read the record, this participant's vote, the payload and the decision (watched), in one round trip. */
        READ,
        /** The record is gone: the transaction was collected, or deleted by hand. */
        VANISHED,
        /** Another attempt's vote counts: roll back this instance's other attempts at once. */
        ROLL_BACK_LOSERS,
        /** Apply the decision ({@link Next#decision()}) and acknowledge. */
        APPLY,
        /** An orphan (prepared before a crash, its inbox entry gone): wait for the decision. */
        ORPHAN_WAIT,
        /** An attempt prepared before a crash is in the resource: vote YES for it without preparing again. */
        VOTE_RECOVERED,
        /** The request came after the deadline: vote NO without preparing. */
        VOTE_LATE,
        /** Prepare a new attempt and vote. */
        PREPARE,
        /** Voted YES, undecided: wait for the decision's watch, and at the latest until {@link Next#wakeAt()}. */
        AWAIT_DECISION,
        /** Voted NO, or YES with no decision by the deadline plus the grace period: decide ABORT. */
        ABORT_ITSELF
    }

    record Next(Step step, long wakeAt) {
        static Next of(Step step) {
            return new Next(step, 0);
        }
    }

    /**
     * What the task knows.
     *
     * @param attempts this instance's attempts of the branch that may be prepared
     * @param owns whether this instance is the branch's owner among the live instances
     * @param read whether this evaluation has read the branch (after its last write)
     * @param entryChecked whether that read checked the inbox entry ({@code entryExists} is its answer)
     * @param record the record, if read (null if unknown, or gone when {@code read})
     * @param mine the vote for this participant, once read or written
     * @param decision the decision, if this evaluation's read found it
     */
    record View(boolean orphan, Set<String> attempts, boolean owns, boolean tookOver, boolean entryGone,
            boolean read, boolean entryChecked, boolean entryExists, @Nullable TxnRecord record, boolean recordRead,
            @Nullable CastVote mine, @Nullable Decision decision, long now, long graceMillis) {
    }

    private BranchRule() {
    }

    static Next next(View view) {
        if (!view.orphan() && view.attempts().isEmpty() && view.mine() == null && !view.tookOver() && !view.owns()) {
            if (view.entryGone()) {
                return Next.of(Step.ENTRY_GONE);
            }
            if (view.record() == null && !view.recordRead()) {
                return Next.of(Step.READ_RECORD_FOR_STANDBY);
            }
            if (view.record() != null) {
                long takeOverAt = view.record().deadlineMillis() + view.graceMillis();
                return view.now() < takeOverAt ? new Next(Step.STAND_BY, takeOverAt + 1) : Next.of(Step.TAKE_OVER);
            }
            // The record is gone: no owner will finish it; go on as the owner would.
        }
        if (!view.read()) {
            return Next.of(Step.READ);
        }
        if (view.entryChecked() && !view.entryExists()) {
            return Next.of(Step.ENTRY_GONE);
        }
        if (view.record() == null) {
            return Next.of(Step.VANISHED);
        }
        if (view.decision() != null) {
            return Next.of(Step.APPLY);
        }
        if (view.mine() != null && !view.orphan() && hasLosers(view.attempts(), view.mine())) {
            return Next.of(Step.ROLL_BACK_LOSERS);
        }
        if (view.orphan()) {
            return Next.of(Step.ORPHAN_WAIT);
        }
        if (view.mine() == null) {
            if (!view.attempts().isEmpty()) {
                return Next.of(Step.VOTE_RECOVERED);
            }
            return Next.of(view.now() >= view.record().deadlineMillis() ? Step.VOTE_LATE : Step.PREPARE);
        }
        long abortAt = view.record().deadlineMillis() + view.graceMillis();
        if (!view.mine().vote().isYes() || view.now() >= abortAt) {
            return Next.of(Step.ABORT_ITSELF);
        }
        return new Next(Step.AWAIT_DECISION, abortAt + 1);
    }

    /** Whether this instance holds attempts the vote does not name (they can only ever be rolled back). */
    static boolean hasLosers(Set<String> attempts, CastVote mine) {
        String voted = mine.vote().isYes() ? mine.attempt() : null;
        return attempts.stream().anyMatch(attempt -> !attempt.equals(voted));
    }
}
