package dev.baton.txn;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

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

    private final @Nullable String txnId;

    /** An exception about no transaction in particular, with a message that says what failed. */
    public TransactionException(String message) {
        this(message, (Throwable) null);
    }

    /** An exception about no transaction in particular, with a message and its cause. */
    public TransactionException(String message, @Nullable Throwable cause) {
        super(message, cause);
        this.txnId = null;
    }

    /** An exception about transaction {@code txnId}, with a message that says what failed. */
    public TransactionException(String txnId, String message) {
        this(txnId, message, null);
    }

    /** An exception about transaction {@code txnId}, with a message and its cause. */
    public TransactionException(String txnId, String message, @Nullable Throwable cause) {
        super("transaction " + Objects.requireNonNull(txnId, "txnId") + ": " + message, cause);
        this.txnId = txnId;
    }

    /** The transaction concerned; empty for a fault that concerns none (the one way to say "no id"). */
    public Optional<String> txnId() {
        return Optional.ofNullable(txnId);
    }
}
