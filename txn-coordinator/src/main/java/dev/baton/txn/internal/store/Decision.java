package dev.baton.txn.internal.store;

import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;

import java.nio.charset.StandardCharsets;

/** The content of {@code txn/<id>/decision}: COMMIT or ABORT and why; and the encoding of votes. */
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

    public byte[] encode() {
        return ((commit ? "COMMIT" : "ABORT") + "\n" + reason).getBytes(StandardCharsets.UTF_8);
    }

    public static Decision decode(String txnId, byte[] data) throws CorruptNodeException {
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        String word = newline < 0 ? text : text.substring(0, newline);
        String reason = newline < 0 ? "" : text.substring(newline + 1);
        switch (word) {
            case "COMMIT": return commit(reason);
            case "ABORT": return abort(reason);
            default:
                throw new CorruptNodeException("transaction " + txnId + ": the decision node holds neither COMMIT nor"
                        + " ABORT but " + TxnRecord.describe(data));
        }
    }

    /** The data of an acknowledgement that reports a heuristic outcome (a normal ack is empty). */
    public static byte[] encodeHeuristic(String found) {
        return ("HEURISTIC\n" + found).getBytes(StandardCharsets.UTF_8);
    }

    /** The heuristic an acknowledgement reports, or null for a normal one. */
    public static String decodeHeuristic(byte[] data) {
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        return text.startsWith("HEURISTIC\n") ? text.substring(10) : null;
    }

    /** A vote as stored: YES names the prepared attempt it vouches for. */
    public record CastVote(Vote vote, String attempt) {
    }

    public static byte[] encodeVote(Vote vote, String attempt) {
        return (vote.isYes() ? "YES\n" + attempt : "NO\n" + vote.reason()).getBytes(StandardCharsets.UTF_8);
    }

    public static CastVote decodeVote(String txnId, String participant, byte[] data) throws CorruptNodeException {
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        if (text.startsWith("YES\n") && TxnNames.isAttempt(text.substring(4))) {
            return new CastVote(Vote.yes(), text.substring(4));
        }
        if (text.equals("NO") || text.startsWith("NO\n")) {
            return new CastVote(Vote.no(text.length() > 3 ? text.substring(3) : ""), null);
        }
        throw new CorruptNodeException("transaction " + txnId + ": the vote of participant '" + participant
                + "' is neither YES with an attempt nor NO but " + TxnRecord.describe(data));
    }
}
