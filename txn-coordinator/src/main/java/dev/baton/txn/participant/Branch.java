package dev.baton.txn.participant;

import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * One participant's part of a transaction: what {@link Participant#prepare} is asked to do.
 *
 * <p>Immutable and thread-safe: {@link #payload()} returns a copy.
 */
public final class Branch {

    private final String txnId;
    private final String participant;
    private final String attempt;
    private final byte[] payload;
    private final Instant deadline;

    /**
     * A branch description.
     *
     * @throws NullPointerException if an argument is null
     */
    public Branch(String txnId, String participant, String attempt, byte[] payload, Instant deadline) {
        this.txnId = Objects.requireNonNull(txnId, "txnId");
        this.participant = Objects.requireNonNull(participant, "participant");
        this.attempt = Objects.requireNonNull(attempt, "attempt");
        this.payload = Objects.requireNonNull(payload, "payload").clone();
        this.deadline = Objects.requireNonNull(deadline, "deadline");
    }

    /** The transaction's id: unique, at most 64 ASCII characters; use it as the branch's key in the resource. */
    public String txnId() {
        return txnId;
    }

    /** The participant's name. */
    public String participant() {
        return participant;
    }

    /**
     * This prepare attempt's id: 12 hex digits, new for every call of {@link Participant#prepare}.
     * Key prepared state by transaction id <em>and</em> attempt: the vote names the attempt that
     * counts, {@code commit} is called for that one only, and any other attempt (a second instance
     * that prepared the same branch concurrently) is aborted. Together with the transaction id it
     * fits an XA branch (see {@link XaParticipant}).
     */
    public String attempt() {
        return attempt;
    }

    /** The transaction id and attempt, as {@link Participant#inDoubt} reports them. */
    public BranchId id() {
        return new BranchId(txnId, attempt);
    }

    /**
     * What the coordinator asked this participant to do, as given to
     * {@link TransactionBuilder#branch(String, byte[])}. Empty when the host finishes an attempt
     * whose transaction record is gone (it is then only ever asked to abort).
     */
    public byte[] payload() {
        return payload.clone();
    }

    /** When the coordinator stops waiting for votes and aborts, by the coordinator's clock. */
    public Instant deadline() {
        return deadline;
    }

    @Override
    public String toString() {
        return "Branch[" + txnId + "/" + participant + "/" + attempt + ", " + payload.length + " bytes, deadline " + deadline + "]";
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Branch)) {
            return false;
        }
        Branch that = (Branch) other;
        return txnId.equals(that.txnId) && participant.equals(that.participant) && attempt.equals(that.attempt)
                && Arrays.equals(payload, that.payload)
                && deadline.equals(that.deadline);
    }

    @Override
    public int hashCode() {
        return Objects.hash(txnId, participant, attempt, deadline) * 31 + Arrays.hashCode(payload);
    }
}
