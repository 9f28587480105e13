package dev.baton.txn;

/** A znode under Baton's namespace that does not hold what the protocol wrote there. */
final class CorruptNodeException extends Exception {

    private static final long serialVersionUID = 1L;

    CorruptNodeException(String message) {
        super(message);
    }
}
