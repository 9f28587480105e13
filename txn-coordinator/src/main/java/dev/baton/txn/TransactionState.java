package dev.baton.txn;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a transaction is in the two-phase-commit protocol. The states and their legal transitions:
 *
 * <pre>
 *   NEW ──begin written──▶ PREPARING ──every participant voted YES──▶ COMMITTED
 *                              └──────a NO vote, or the deadline passed─▶ ABORTED
 * </pre>
 *
 * <ul>
 *   <li>{@link #NEW}: built with {@link TransactionCoordinator#begin()}; nothing is in ZooKeeper yet.
 *       A transaction rejected before it is written (bad input, unknown participant) never leaves
 *       {@code NEW}: it does not exist for anyone else.
 *   <li>{@link #PREPARING}: the record and every branch are in ZooKeeper; participants are
 *       preparing and voting.
 *   <li>{@link #COMMITTED} and {@link #ABORTED}: the decision node exists. Terminal: a decision is
 *       created exactly once and never changes. Participants apply it afterwards, each in its own
 *       time; when all have acknowledged, the transaction's znodes are deleted.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public enum TransactionState {
    /** Built, not begun: nothing written. Next: {@link #PREPARING}. */
    NEW,
    /** Begun: participants are preparing and voting. Next: {@link #COMMITTED} or {@link #ABORTED}. */
    PREPARING,
    /** Decided COMMIT: every participant voted YES and each one commits its branch. Terminal. */
    COMMITTED,
    /** Decided ABORT: a participant voted NO or the deadline passed; every branch is rolled back. Terminal. */
    ABORTED;

    /** Whether this state is final: the decision has been made and cannot change. */
    public boolean isTerminal() {
        return this == COMMITTED || this == ABORTED;
    }

    /** The states this one may move to; empty for terminal states. */
    public Set<TransactionState> successors() {
        switch (this) {
            case NEW: return EnumSet.of(PREPARING);
            case PREPARING: return EnumSet.of(COMMITTED, ABORTED);
            default: return EnumSet.noneOf(TransactionState.class);
        }
    }

    /** Whether moving from this state to {@code next} is legal. */
    public boolean canMoveTo(TransactionState next) {
        return successors().contains(next);
    }
}
