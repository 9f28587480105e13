package dev.baton.txn.internal.store;

/** A znode under Baton's namespace that does not hold what the protocol wrote there. */
public final class CorruptNodeException extends Exception {

    private static final long serialVersionUID = 1L;

    public CorruptNodeException(String message) {
        super(message);
    }
}
