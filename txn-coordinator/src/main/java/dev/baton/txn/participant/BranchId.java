package dev.baton.txn.participant;

import java.util.Objects;

/**
 * Names one prepared attempt of a participant's branch: the transaction and the attempt id the host
 * passed to {@link Participant#prepare} in {@link Branch#attempt()}. Returned by
 * {@link Participant#inDoubt} for every attempt still prepared.
 *
 * <p>Immutable and thread-safe.
 *
 * @param txnId the transaction's id
 * @param attempt the attempt's id
 */
public record BranchId(String txnId, String attempt) {

    /**
     * Checks the parts.
     *
     * @throws NullPointerException if a part is null
     */
    public BranchId {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(attempt, "attempt");
    }
}
