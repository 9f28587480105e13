package dev.baton.txn;

/**
 * An operation on an open transaction found none with that id: never begun, or already finished
 * and collected. Nothing was written.
 */
public class NoSuchTransactionException extends TransactionException {

    private static final long serialVersionUID = 1L;

    /** No open transaction {@code txnId}, with a message that says what was looked for. */
    public NoSuchTransactionException(String txnId, String message) {
        super(txnId, message);
    }
}
