package dev.baton.txn.participant;

import java.util.Objects;

/**
 * Thrown by {@link Participant#commit} or {@link Participant#abort} when the branch is already
 * finished, but not (or not knowably) the way the decision says: someone outside the protocol
 * committed or rolled it back, typically an operator with {@code COMMIT PREPARED} /
 * {@code ROLLBACK PREPARED}. Calling again cannot help, so the host does not retry: it logs the
 * heuristic at ERROR, reports it in {@link ParticipantHost#problems()}, acknowledges, and the
 * transaction's {@link Outcome#heuristics()} records it (in the history too).
 */
public class HeuristicOutcomeException extends Exception {

    private static final long serialVersionUID = 1L;

    /** How the branch actually ended. */
    public enum Ending {
        /** It was committed (the decision was ABORT). */
        COMMITTED,
        /** It was rolled back (the decision was COMMIT). */
        ROLLED_BACK,
        /** It is no longer prepared, and how it ended cannot be found out. */
        UNKNOWN
    }

    private final Ending ending;

    /** A heuristic ending of a branch, with a message that says what was found. */
    public HeuristicOutcomeException(Ending ending, String message) {
        super(message);
        this.ending = Objects.requireNonNull(ending, "ending");
    }

    /** How the branch actually ended. */
    public Ending ending() {
        return ending;
    }
}
