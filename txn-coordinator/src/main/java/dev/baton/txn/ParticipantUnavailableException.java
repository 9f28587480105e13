package dev.baton.txn;

import java.util.Objects;

/**
 * A transaction names a participant that cannot take part now: no participant host ever
 * registered it, or none of its instances is running. Thrown by {@code commit()} before anything
 * is written, so trying again is safe once the participant is up.
 */
public class ParticipantUnavailableException extends TransactionException {

    private static final long serialVersionUID = 1L;

    /** Why the participant cannot take part. */
    public enum Reason {
        /** No {@code ParticipantHost} ever registered it (a typo, or a host not deployed yet). */
        NEVER_REGISTERED,
        /** It is registered, but none of its instances is running (or connected). */
        NO_LIVE_INSTANCE
    }

    private final String participant;
    private final Reason reason;

    /** An unavailable {@code participant}, with a message that says what to do. */
    public ParticipantUnavailableException(String participant, Reason reason, String message) {
        super(message);
        this.participant = Objects.requireNonNull(participant, "participant");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** The participant's name. */
    public String participant() {
        return participant;
    }

    /** Why it cannot take part. */
    public Reason reason() {
        return reason;
    }
}
