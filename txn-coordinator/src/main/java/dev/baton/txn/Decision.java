package dev.baton.txn;

import java.nio.charset.StandardCharsets;

/** The content of {@code txn/<id>/decision}: COMMIT or ABORT and why; and the encoding of votes. */
record Decision(boolean commit, String reason) {

    static Decision commit(String reason) {
        return new Decision(true, reason);
    }

    static Decision abort(String reason) {
        return new Decision(false, reason);
    }

    TransactionState state() {
        return commit ? TransactionState.COMMITTED : TransactionState.ABORTED;
    }

    byte[] encode() {
        return ((commit ? "COMMIT" : "ABORT") + "\n" + reason).getBytes(StandardCharsets.UTF_8);
    }

    static Decision decode(String txnId, byte[] data) throws CorruptNodeException {
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
    static byte[] encodeHeuristic(String found) {
        return ("HEURISTIC\n" + found).getBytes(StandardCharsets.UTF_8);
    }

    /** The heuristic an acknowledgement reports, or null for a normal one. */
    static String decodeHeuristic(byte[] data) {
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        return text.startsWith("HEURISTIC\n") ? text.substring(10) : null;
    }

    /** A vote as stored: YES names the prepared attempt it vouches for. */
    record CastVote(Vote vote, String attempt) {
    }

    static byte[] encodeVote(Vote vote, String attempt) {
        return (vote.isYes() ? "YES\n" + attempt : "NO\n" + vote.reason()).getBytes(StandardCharsets.UTF_8);
    }

    static CastVote decodeVote(String txnId, String participant, byte[] data) throws CorruptNodeException {
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
