package dev.baton.txn;

import java.util.Objects;

/**
 * A participant's answer to a prepare request. {@link #yes()} promises that the participant has
 * made its branch durable and can commit it whatever happens to it afterwards (a crash included),
 * until it learns the decision. {@link #no(String)} refuses, with a reason the coordinator reports.
 *
 * <p>Immutable and thread-safe.
 */
public final class Vote {

    /** Reasons longer than this many characters are cut, so that a vote fits in a small znode. */
    public static final int MAX_REASON_LENGTH = 1000;

    private static final Vote YES = new Vote(true, "");

    private final boolean yes;
    private final String reason;

    private Vote(boolean yes, String reason) {
        this.yes = yes;
        this.reason = reason;
    }

    /** A YES vote: the branch is prepared durably and will be committed or rolled back on the decision. */
    public static Vote yes() {
        return YES;
    }

    /**
     * A NO vote: the branch will not commit; the transaction aborts.
     *
     * @param reason why, for the {@link Outcome}; cut to {@link #MAX_REASON_LENGTH} characters
     * @throws NullPointerException if {@code reason} is null
     */
    public static Vote no(String reason) {
        Objects.requireNonNull(reason, "reason");
        String shortened = reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
        return new Vote(false, shortened);
    }

    /** Whether this is a YES vote. */
    public boolean isYes() {
        return yes;
    }

    /** Why a NO vote refused; empty for YES. */
    public String reason() {
        return reason;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Vote && ((Vote) other).yes == yes && ((Vote) other).reason.equals(reason);
    }

    @Override
    public int hashCode() {
        return Boolean.hashCode(yes) * 31 + reason.hashCode();
    }

    @Override
    public String toString() {
        return yes ? "YES" : "NO(" + reason + ")";
    }
}
