package dev.baton.txn;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a transaction stands, as read from ZooKeeper by {@link TransactionCoordinator#status}:
 * from its znodes while it has them, else from the history of finished transactions, else what
 * the history's trim mark allows to conclude. Unlike {@link TransactionCoordinator#outcome},
 * it tells a transaction that never began from one that finished and left the history.
 *
 * <p>Immutable and thread-safe.
 */
public final class TransactionStatus {

    /** What is known of the transaction. */
    public enum Kind {
        /** Begun, not decided yet. */
        PREPARING,
        /** Decided; its participants may still be applying the decision. {@link #outcome()} is present. */
        DECIDED,
        /** Every participant applied the decision; read from the history. {@link #outcome()} is present. */
        FINISHED,
        /**
         * Neither in ZooKeeper nor in the history, and the history still holds every transaction
         * finished since this id was made: it was never begun (or its begin has not reached
         * ZooKeeper yet). Nothing of it was ever prepared or committed.
         */
        NOT_BEGUN,
        /**
         * Neither in ZooKeeper nor in the history, and the history has dropped (or been told to
         * forget) transactions this young, or keeps none: it may have finished either way.
         */
        UNKNOWN
    }

    private final String txnId;
    private final Kind kind;
    private final @Nullable Outcome outcome;

    /**
     * A status.
     *
     * @param outcome present exactly for {@link Kind#DECIDED} and {@link Kind#FINISHED}, else null
     * @throws IllegalArgumentException if {@code outcome} does not fit {@code kind}
     */
    public TransactionStatus(String txnId, Kind kind, @Nullable Outcome outcome) {
        this.txnId = Objects.requireNonNull(txnId, "txnId");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.outcome = outcome;
        if ((kind == Kind.DECIDED || kind == Kind.FINISHED) != (outcome != null)) {
            throw new IllegalArgumentException(kind + " " + (outcome == null ? "needs" : "has no") + " outcome");
        }
    }

    /** The transaction's id. */
    public String txnId() {
        return txnId;
    }

    /** What is known. */
    public Kind kind() {
        return kind;
    }

    /** The outcome, when {@link Kind#DECIDED} or {@link Kind#FINISHED}. */
    public Optional<Outcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    /** The state, when known: PREPARING, COMMITTED or ABORTED; empty for NOT_BEGUN and UNKNOWN. */
    public Optional<TransactionState> state() {
        return kind == Kind.PREPARING ? Optional.of(TransactionState.PREPARING)
                : Optional.ofNullable(outcome).map(Outcome::state);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TransactionStatus && ((TransactionStatus) other).txnId.equals(txnId)
                && ((TransactionStatus) other).kind == kind && Objects.equals(((TransactionStatus) other).outcome, outcome);
    }

    @Override
    public int hashCode() {
        return Objects.hash(txnId, kind, outcome);
    }

    @Override
    public String toString() {
        return "TransactionStatus[" + txnId + " " + kind + (outcome == null ? "" : ": " + outcome) + "]";
    }
}
