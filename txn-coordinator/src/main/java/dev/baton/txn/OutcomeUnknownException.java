package dev.baton.txn;

/**
 * The transaction was begun, or may have been, and this coordinator cannot tell how it ended:
 * it lost its connection or session, was closed, or found the transaction's nodes gone and its
 * outcome no longer in the history. The transaction itself still ends atomically (every
 * participant commits or none does), finished by any coordinator instance; only the answer is
 * missing. Do not assume either outcome: look it up later with
 * {@link TransactionCoordinator#status(String)}, or ask the participants.
 *
 * <p>Every other {@link TransactionException} thrown by {@code commit()} means the transaction
 * was not begun: nothing was written, and it is safe to try again.
 */
public class OutcomeUnknownException extends TransactionException {

    private static final long serialVersionUID = 1L;

    /** An unknown outcome of transaction {@code txnId}, with a message that says why. */
    public OutcomeUnknownException(String txnId, String message) {
        super(txnId, message, null);
    }

    /** An unknown outcome of transaction {@code txnId}, with a message and its cause. */
    public OutcomeUnknownException(String txnId, String message, Throwable cause) {
        super(txnId, message, cause);
    }
}
