package dev.baton.jta;

import jakarta.transaction.Status;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where a JTA transaction stands, with its legal moves; {@link #status} maps it to the JTA
 * {@link Status} codes.
 *
 * <pre>
 * ACTIVE --commit()--> BEFORE_COMPLETION --> PREPARING --> COMMITTED | ROLLED_BACK | UNKNOWN
 *   |                        |  rollback-only, or a beforeCompletion threw
 *   +--rollback()--> ROLLING_BACK <--+
 *                        +--> ROLLED_BACK
 * </pre>
 *
 * <p>{@code PREPARING} is the whole of {@code XaTransaction.commit()}: prepare, the decision, the
 * commits. That call does not tell its caller where it is, so {@link Status#STATUS_PREPARED} and
 * {@link Status#STATUS_COMMITTING} are never reported. {@code UNKNOWN} is terminal for this
 * process only: the transaction itself still ends atomically, finished by recovery.
 */
enum TransactionPhase {

    /** Work is done; resources and synchronizations may be added. */
    ACTIVE,
    /** {@code commit()} runs the synchronizations' {@code beforeCompletion}; work may still be done. */
    BEFORE_COMPLETION,
    /** Two-phase (or one-phase) commit runs. */
    PREPARING,
    /** Every branch is being rolled back. */
    ROLLING_BACK,
    COMMITTED,
    ROLLED_BACK,
    /** The outcome is not known here: recovery commits or rolls back every branch. */
    UNKNOWN;

    /** Whether the transaction is over, as far as this process can act on it. */
    boolean isTerminal() {
        return this == COMMITTED || this == ROLLED_BACK || this == UNKNOWN;
    }

    /** Whether work, enlistments and synchronizations are still accepted. */
    boolean acceptsWork() {
        return this == ACTIVE || this == BEFORE_COMPLETION;
    }

    /** The moves from this phase. */
    Set<TransactionPhase> next() {
        switch (this) {
            case ACTIVE:
                return EnumSet.of(BEFORE_COMPLETION, ROLLING_BACK);
            case BEFORE_COMPLETION:
                return EnumSet.of(PREPARING, ROLLING_BACK);
            case PREPARING:
                return EnumSet.of(COMMITTED, ROLLED_BACK, UNKNOWN);
            case ROLLING_BACK:
                return EnumSet.of(ROLLED_BACK);
            default:
                return EnumSet.noneOf(TransactionPhase.class);
        }
    }

    boolean canMoveTo(TransactionPhase next) {
        return next().contains(next);
    }

    /**
     * The JTA status of a transaction in this phase: {@code markedRollback} (rollback-only, or past
     * its timeout) turns {@code ACTIVE} and {@code BEFORE_COMPLETION} into
     * {@link Status#STATUS_MARKED_ROLLBACK}.
     */
    int status(boolean markedRollback) {
        switch (this) {
            case ACTIVE:
            case BEFORE_COMPLETION:
                return markedRollback ? Status.STATUS_MARKED_ROLLBACK : Status.STATUS_ACTIVE;
            case PREPARING:
                return Status.STATUS_PREPARING;
            case ROLLING_BACK:
                return Status.STATUS_ROLLING_BACK;
            case COMMITTED:
                return Status.STATUS_COMMITTED;
            case ROLLED_BACK:
                return Status.STATUS_ROLLEDBACK;
            default:
                return Status.STATUS_UNKNOWN;
        }
    }

    /** The name of a JTA status code, for messages. */
    static String statusName(int status) {
        switch (status) {
            case Status.STATUS_ACTIVE: return "ACTIVE";
            case Status.STATUS_MARKED_ROLLBACK: return "MARKED_ROLLBACK";
            case Status.STATUS_PREPARED: return "PREPARED";
            case Status.STATUS_COMMITTED: return "COMMITTED";
            case Status.STATUS_ROLLEDBACK: return "ROLLEDBACK";
            case Status.STATUS_UNKNOWN: return "UNKNOWN";
            case Status.STATUS_NO_TRANSACTION: return "NO_TRANSACTION";
            case Status.STATUS_PREPARING: return "PREPARING";
            case Status.STATUS_COMMITTING: return "COMMITTING";
            case Status.STATUS_ROLLING_BACK: return "ROLLING_BACK";
            default: return "status " + status;
        }
    }
}
