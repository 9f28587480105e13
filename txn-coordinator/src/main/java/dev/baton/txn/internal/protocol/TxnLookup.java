package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionStatus;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnStore;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * Reads where one transaction stands, for a caller: from its znodes while it exists, else from the
 * history, else what the history's trim mark allows to conclude. The record is read before the
 * history: the collect that deletes the znodes creates the history entry in the same write, so a
 * transaction is found in one place or the other until it leaves the history. Needs nothing but
 * the store, so coordinators and operators' tools read alike.
 *
 * <p>Stateless and thread-safe.
 */
public final class TxnLookup {

    private final TxnStore store;

    public TxnLookup(TxnStore store) {
        this.store = store;
    }

    /**
     * Where {@code txnId} stands.
     *
     * @throws IllegalArgumentException if {@code txnId} is not a transaction id
     */
    public CompletableFuture<TransactionStatus> status(String txnId) {
        if (!TxnNames.isTxnId(txnId)) {
            throw new IllegalArgumentException("'" + txnId + "' is not a transaction id (tx-<12 hex>-<16 hex>)");
        }
        return store.record(txnId).thenCompose(record -> {
            if (record == null) {
                return fromHistory(txnId);
            }
            return store.decision(txnId, null, false).thenCompose(decided -> {
                if (decided == null) {
                    // Collected between the two reads? Then the history has it.
                    return store.exists(txnId).thenCompose(present -> present
                            ? CompletableFuture.completedFuture(new TransactionStatus(txnId,
                                    TransactionStatus.Kind.PREPARING, null))
                            : fromHistory(txnId));
                }
                return store.votes(txnId, record, java.util.Set.of()).thenApply(read -> {
                    Ballot ballot = new Ballot();
                    ballot.take(record, List.of(), read, problem -> { });
                    ballot.decidedAt(decided.decidedAt());
                    return new TransactionStatus(txnId, TransactionStatus.Kind.DECIDED, new Outcome(txnId,
                            decided.decision().state(), decided.decision().reason(), record.participants(),
                            ballot.castBeforeDecision(record)));
                });
            });
        });
    }

    private CompletableFuture<TransactionStatus> fromHistory(String txnId) {
        return store.history().lookup(txnId).thenApply(found -> fromHistory(txnId, found));
    }

    /** The status a history lookup gives, for a transaction whose record was found absent before it. */
    public static TransactionStatus fromHistory(String txnId, TxnHistory.Lookup found) {
        switch (found.verdict()) {
            case FINISHED:
                return new TransactionStatus(txnId, TransactionStatus.Kind.FINISHED, found.outcome());
            case NOT_FINISHED:
                return new TransactionStatus(txnId, TransactionStatus.Kind.NOT_BEGUN, null);
            default:
                return new TransactionStatus(txnId, TransactionStatus.Kind.UNKNOWN, null);
        }
    }

    /**
     * Waits for an answer for a blocking API call, at most {@code timeoutMillis}: a damaged node
     * or a ZooKeeper failure becomes a {@link TransactionException} saying what could not be read.
     */
    public static <T> T await(CompletableFuture<T> answer, @Nullable String txnId, String what, long timeoutMillis) {
        try {
            return answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = TxnStore.unwrap(e);
            if (cause instanceof TransactionException) {
                throw (TransactionException) cause;
            }
            if (cause instanceof IllegalArgumentException) {
                throw (IllegalArgumentException) cause;
            }
            if (cause instanceof CorruptNodeException) {
                throw failure(txnId, String.valueOf(cause.getMessage()), cause);
            }
            throw failure(txnId, "cannot " + what + " ZooKeeper: " + cause, cause);
        } catch (TimeoutException e) {
            throw failure(txnId, "cannot " + what + " ZooKeeper: no answer within "
                    + timeoutMillis + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(txnId, "interrupted while waiting to " + what + " ZooKeeper", e);
        }
    }

    private static TransactionException failure(@Nullable String txnId, String message, Throwable cause) {
        return txnId == null ? new TransactionException(message, cause) : new TransactionException(txnId, message, cause);
    }
}
