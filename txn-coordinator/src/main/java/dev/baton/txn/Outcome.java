package dev.baton.txn;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * How a transaction ended: its decision and why, and each participant's vote cast before the
 * decision. A decision is final; participants apply it afterwards (a participant that is down
 * applies it when it comes back). Returned by {@link TransactionBuilder#commit()} at the decision,
 * and by {@link TransactionCoordinator#outcome(String)} and
 * {@link TransactionCoordinator#recentOutcomes()}, also from the history of finished transactions.
 *
 * <p>Immutable and thread-safe.
 */
public final class Outcome {

    private final String txnId;
    private final TransactionState state;
    private final String reason;
    private final List<String> participants;
    private final Map<String, Vote> votes;
    private final @Nullable Instant finishedAt;
    private final Map<String, String> heuristics;

    /**
     * An outcome of a transaction that is decided but not known to be finished.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code state} is not terminal
     */
    public Outcome(String txnId, TransactionState state, String reason, List<String> participants,
            Map<String, Vote> votes) {
        this(txnId, state, reason, participants, votes, null);
    }

    /**
     * An outcome.
     *
     * @param finishedAt when every participant had applied the decision, or null if not known
     * @throws NullPointerException if an argument other than {@code finishedAt} is null
     * @throws IllegalArgumentException if {@code state} is not terminal
     */
    public Outcome(String txnId, TransactionState state, String reason, List<String> participants,
            Map<String, Vote> votes, @Nullable Instant finishedAt) {
        this(txnId, state, reason, participants, votes, finishedAt, Map.of());
    }

    /**
     * An outcome, with the participants whose branch ended otherwise than decided.
     *
     * @param finishedAt when every participant had applied the decision, or null if not known
     * @param heuristics what was found, by participant; empty in the normal case
     * @throws NullPointerException if an argument other than {@code finishedAt} is null
     * @throws IllegalArgumentException if {@code state} is not terminal
     */
    public Outcome(String txnId, TransactionState state, String reason, List<String> participants,
            Map<String, Vote> votes, @Nullable Instant finishedAt, Map<String, String> heuristics) {
        this.heuristics = Collections.unmodifiableMap(new LinkedHashMap<>(heuristics));
        this.finishedAt = finishedAt;
        this.txnId = Objects.requireNonNull(txnId, "txnId");
        this.state = Objects.requireNonNull(state, "state");
        this.reason = Objects.requireNonNull(reason, "reason");
        this.participants = List.copyOf(participants);
        this.votes = Collections.unmodifiableMap(new LinkedHashMap<>(votes));
        if (!state.isTerminal()) {
            throw new IllegalArgumentException("an outcome is COMMITTED or ABORTED, not " + state);
        }
    }

    /** The transaction's id. */
    public String txnId() {
        return txnId;
    }

    /** {@link TransactionState#COMMITTED} or {@link TransactionState#ABORTED}. */
    public TransactionState state() {
        return state;
    }

    /** Whether the transaction committed. */
    public boolean isCommitted() {
        return state == TransactionState.COMMITTED;
    }

    /** Why it was decided so: "all 2 participants voted YES", "participant 'b' voted NO: ...", "deadline passed ...". */
    public String reason() {
        return reason;
    }

    /** What kind of reason decided a transaction: a small fixed set, for metrics and alerts. */
    public enum Cause {
        /** Committed: every participant (or resource) prepared. */
        ALL_PREPARED,
        /** Aborted: a participant voted NO, or a resource refused or failed to prepare. */
        REFUSED,
        /** Aborted: the deadline passed with a vote missing (decided by a coordinator or a participant). */
        DEADLINE,
        /** Aborted by an operator ({@code TransactionAdmin.abort}, {@code baton txn abort}). */
        OPERATOR,
        /**
         * Aborted otherwise: the application rolled back or marked the transaction rollback-only, or
         * the in-process path lost its ZooKeeper session before it could decide.
         */
        ROLLED_BACK
    }

    /** The kind of {@link #reason()}. */
    public Cause cause() {
        if (state == TransactionState.COMMITTED) {
            return Cause.ALL_PREPARED;
        }
        if (reason.startsWith("aborted by an operator")) {
            return Cause.OPERATOR;
        }
        if (votes.values().stream().anyMatch(vote -> !vote.isYes())) {
            return Cause.REFUSED;
        }
        return reason.contains("deadline") ? Cause.DEADLINE : Cause.ROLLED_BACK;
    }

    /** The participants, in the order their branches were added. */
    public List<String> participants() {
        return participants;
    }

    /** The votes cast before the decision, by participant; a participant that had not voted is absent. */
    public Map<String, Vote> votes() {
        return votes;
    }

    /** One participant's vote, empty if it had not voted when the decision was made. */
    public Optional<Vote> vote(String participant) {
        return Optional.ofNullable(votes.get(participant));
    }

    /**
     * When the transaction finished: every participant had applied the decision and its znodes were
     * collected (by the collecting coordinator's clock). Present for outcomes read from the history;
     * empty for one returned by {@code commit()}, which returns at the decision, before participants
     * apply it, and for a decided transaction whose participants are still applying it.
     */
    public Optional<Instant> finishedAt() {
        return Optional.ofNullable(finishedAt);
    }

    /**
     * Participants whose branch ended otherwise than decided, or unknowably (see
     * {@link HeuristicOutcomeException}), with what was found: known once the participants
     * applied the decision, so present in outcomes read from the history; empty in the outcome
     * {@code commit()} returns. Empty in the normal case.
     */
    public Map<String, String> heuristics() {
        return heuristics;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Outcome)) {
            return false;
        }
        Outcome that = (Outcome) other;
        return txnId.equals(that.txnId) && state == that.state && reason.equals(that.reason)
                && participants.equals(that.participants) && votes.equals(that.votes)
                && Objects.equals(finishedAt, that.finishedAt) && heuristics.equals(that.heuristics);
    }

    @Override
    public int hashCode() {
        return Objects.hash(txnId, state, reason, participants, votes, finishedAt, heuristics);
    }

    @Override
    public String toString() {
        return "Outcome[" + txnId + " " + state + ": " + reason + ", votes " + votes
                + (finishedAt == null ? "" : ", finished " + finishedAt)
                + (heuristics.isEmpty() ? "" : ", HEURISTIC " + heuristics) + "]";
    }
}
