package dev.baton.txn.internal.protocol;

/**
 * A test hook: told when a coordinator or a participant host passes a step of the protocol, on
 * the thread doing it, before it goes on. A crash test closes the ZooKeeper client (or expires
 * the session) here and throws, so that the process "dies" exactly between two steps.
 */
@FunctionalInterface
public interface StepListener {

    public StepListener NONE = (step, txnId) -> { };

    /** The protocol steps, in order. */
    public enum Step {
        /** Coordinator: the participants are checked; the begin {@code multi} is about to be sent. */
        BEGINNING,
        /** Coordinator: the begin {@code multi} is written. */
        BEGUN,
        /** Coordinator: some votes, not all, have been read or seen in the watch's events. */
        SOME_VOTES,
        /** Coordinator: about to create the decision (all votes in, a NO, or the deadline passed). */
        DECIDING,
        /** Coordinator: the decision exists; acknowledgements are still to come. */
        DECIDED,
        /** Coordinator: the driver listed the acknowledgements (watching them) and some are missing. */
        AWAITING_ACKS,
        /** Coordinator: the transaction's nodes have been deleted. */
        COLLECTED,
        /** Participant host: the participant prepared; the vote is not written yet. */
        PREPARED,
        /** Participant host: the vote is written. */
        VOTED,
        /** Participant host: the decision is applied; the acknowledgement is not written yet. */
        APPLIED,
        /** In-process XA: every branch is prepared; the decision is not written yet. */
        XA_PREPARED,
        /** In-process XA: the COMMIT decision is written; no branch is committed yet. */
        XA_DECIDED,
        /** In-process XA: the first branch is committed, the others not yet. */
        XA_COMMITTING,
        /** In-process XA: every branch is committed; the decision is not deleted yet. */
        XA_COMMITTED
    }

    public void reached(Step step, String txnId);
}
