package dev.baton.txn.internal.store;

import dev.baton.txn.TransactionState;

/** The content of {@code txn/<id>/decision}: COMMIT or ABORT and why. Created once, never changed. */
public record Decision(boolean commit, String reason) {

    public static Decision commit(String reason) {
        return new Decision(true, reason);
    }

    public static Decision abort(String reason) {
        return new Decision(false, reason);
    }

    public TransactionState state() {
        return commit ? TransactionState.COMMITTED : TransactionState.ABORTED;
    }
}
