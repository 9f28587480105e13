package dev.baton.txn;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Told what a {@link TransactionCoordinator}, an {@link dev.baton.txn.xa.XaTransactions} or a
 * {@link dev.baton.txn.participant.ParticipantHost} does, for metrics: give one to their builders'
 * {@code listener(...)}. Every method does nothing by default.
 *
 * <p>Methods are called on Baton's own threads (ZooKeeper's callbacks, the host's executor, the
 * caller's thread for a synchronous commit), so they must return at once. What one throws is
 * logged and ignored; it never changes a transaction.
 */
public interface TxnListener {

    /** A listener that does nothing. */
    public static final TxnListener NONE = new TxnListener() {
    };

    /** Which way a transaction ran. */
    public enum Path {
        /** {@link TransactionCoordinator}: participants in any process, through ZooKeeper. */
        DISTRIBUTED,
        /** {@link dev.baton.txn.xa.XaTransactions}: every resource in the caller's process. */
        IN_PROCESS
    }

    /**
     * A caller's commit ended: with an {@code outcome}, or with {@code failure} (an
     * {@link OutcomeUnknownException}, or a {@link TransactionException} saying nothing was
     * written). {@code latency} runs from the commit call to its answer.
     */
    public default void commitEnded(Path path, @Nullable Outcome outcome, @Nullable TransactionException failure,
            Duration latency) {
    }

    /**
     * A transaction ended, counted once: on the distributed path by the instance that collects it
     * (whichever began it), on the in-process path by the instance whose caller committed or rolled
     * it back.
     */
    public default void finished(Path path, Outcome outcome) {
    }

    /**
     * This instance took over a transaction another instance began: on the distributed path it
     * won the driver lease of a transaction it did not begin; on the in-process path its recovery
     * committed or rolled back a branch whose owner is gone.
     */
    public default void tookOver(Path path, String txnId) {
    }

    /** A participant hosted here answered a prepare with {@code vote} after {@code took}. */
    public default void prepared(String participant, Vote vote, Duration took) {
    }

    /**
     * A participant hosted here applied {@code decision} ({@link TransactionState#COMMITTED} or
     * {@link TransactionState#ABORTED}) in {@code took}.
     */
    public default void applied(String participant, TransactionState decision, Duration took) {
    }
}
