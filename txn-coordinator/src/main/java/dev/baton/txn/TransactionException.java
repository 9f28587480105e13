package dev.baton.txn;

import java.util.Optional;

/**
 * An infrastructure fault in the transaction protocol: ZooKeeper unreachable, the coordinator closed
 * under a waiting caller, or a transaction whose outcome this coordinator could not learn. It never
 * means the transaction is in an inconsistent state: whatever a caller was told or not, every
 * transaction that was begun ends atomically, finished by any coordinator instance.
 *
 * <p>{@link #txnId()} names the transaction when there is one, so that its outcome can be looked up
 * later with {@link TransactionCoordinator#state(String)}.
 */
public class TransactionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String txnId;

    /** An exception about transaction {@code txnId} (may be null), with a message that says what failed. */
    public TransactionException(String txnId, String message) {
        this(txnId, message, null);
    }

    /** An exception about transaction {@code txnId} (may be null), with a message and its cause. */
    public TransactionException(String txnId, String message, Throwable cause) {
        super(txnId == null ? message : "transaction " + txnId + ": " + message, cause);
        this.txnId = txnId;
    }

    /** The transaction concerned, if any. */
    public Optional<String> txnId() {
        return Optional.ofNullable(txnId);
    }
}
