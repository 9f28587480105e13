package dev.baton.jta;

import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionState;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What {@code commit()} throws, as a pure function of what {@code XaTransaction.commit()} answered:
 *
 * <ul>
 *   <li>{@code ABORTED}: {@link RollbackException} with the outcome's reason;
 *   <li>{@code COMMITTED} with heuristic findings: {@link HeuristicRollbackException} when every
 *       resource rolled its branch back on its own, nothing when every finding is a branch the
 *       resource committed on its own ({@code XA_HEURCOM}, which agrees with the decision), else
 *       {@link HeuristicMixedException};
 *   <li>{@code OutcomeUnknownException}: {@link SystemException} (see {@link #unknown}).
 * </ul>
 */
final class CommitFailures {

    private CommitFailures() {
    }

    /** The exception for {@code outcome}, or null if it committed and nothing contradicts that. */
    static @Nullable Exception of(Outcome outcome) {
        if (outcome.state() == TransactionState.ABORTED) {
            return new RollbackException("transaction " + outcome.txnId() + " rolled back: " + outcome.reason());
        }
        Map<String, String> heuristics = outcome.heuristics();
        int rolledBack = 0;
        int against = 0;
        for (String finding : heuristics.values()) {
            if (finding.startsWith("XA_HEURRB")) {
                rolledBack++;
                against++;
            } else if (!finding.startsWith("XA_HEURCOM")) {
                against++;
            }
        }
        if (against == 0) {
            return null;
        }
        if (rolledBack == against && rolledBack == outcome.participants().size()) {
            return new HeuristicRollbackException("transaction " + outcome.txnId() + " was decided COMMIT, but every"
                    + " resource rolled its branch back on its own: " + heuristics);
        }
        return new HeuristicMixedException("transaction " + outcome.txnId() + " was decided COMMIT, but resources"
                + " ended branches otherwise on their own, so part of it may be rolled back: " + heuristics);
    }

    /** The phase a transaction with {@code outcome} ends in, given what {@link #of} said. */
    static TransactionPhase phase(Outcome outcome, @Nullable Exception failure) {
        return outcome.isCommitted() && !(failure instanceof HeuristicRollbackException)
                ? TransactionPhase.COMMITTED : TransactionPhase.ROLLED_BACK;
    }

    /**
     * The answer to a commit whose outcome this process does not know ({@code OutcomeUnknownException}).
     *
     * <p>A {@link SystemException}, not a {@link HeuristicMixedException}: the JTA specification
     * keeps the heuristic exceptions for a resource that <em>decided on its own</em>, so that part
     * of the work may be committed and part rolled back. Nothing of the kind happened: the
     * transaction is still atomic, only the answer is missing, and recovery (this instance or any
     * other with the same resources registered) finishes every prepared branch the one way the
     * decision in ZooKeeper says. Spring turns a heuristic exception into
     * {@code HeuristicCompletionException} ("mixed"), which would send an operator looking for
     * damage that does not exist; a {@code SystemException} becomes {@code TransactionSystemException}:
     * "the transaction manager failed", which is what happened.
     *
     * <p>With one resource the commit is one-phase: nothing is left prepared, the resource
     * committed or not, and the message says that instead.
     */
    static SystemException unknown(String txnId, boolean onePhase, RuntimeException cause) {
        String message = onePhase
                ? "transaction " + txnId + ": the one-phase commit of its only resource failed mid-way, so it"
                        + " may or may not have committed; nothing is left in doubt for recovery, look for its work"
                        + " in the resource (" + cause.getMessage() + ")"
                : "transaction " + txnId + ": its outcome is not known here (" + cause.getMessage() + "). It is"
                        + " still atomic: its branches stay prepared and recovery will finish it (this instance or"
                        + " any other with the same resources registered commits every branch if the COMMIT"
                        + " decision exists in ZooKeeper, else rolls them all back)";
        SystemException failure = new SystemException(message);
        failure.initCause(cause);
        return failure;
    }
}
