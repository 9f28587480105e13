package dev.baton.txn.internal.store;

import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One entry of the outcome history, {@code txn-history/<finished>-<txnId>}: its name, which sorts
 * by the time the transaction finished ({@code <finished>} is 12 hex digits of epoch milliseconds),
 * and its content, UTF-8 {@code key=value} lines:
 *
 * <pre>
 * baton-outcome=1
 * state=COMMITTED | ABORTED
 * finished=&lt;epoch ms&gt;
 * participants=a,b,c
 * reason=&lt;why it was decided so&gt;
 * vote.a=YES
 * vote.b=NO:&lt;reason&gt;        (a participant that had not voted before the decision has no line)
 * heuristic.b=&lt;what was found&gt; (only for a branch that ended otherwise than decided)
 * </pre>
 *
 * In values, a backslash is written {@code \\} and a line break {@code \n}.
 */
public final class HistoryEntry {

    private static final String FORMAT = "baton-outcome";
    private static final Pattern NAME = Pattern.compile("([0-9a-f]{12})-(tx-[0-9a-f]{12}-[0-9a-f]{16})");

    private HistoryEntry() {
    }

    /** The entry's name for a transaction that finished at {@code finished}. */
    public static String name(String txnId, Instant finished) {
        return String.format("%012x-%s", finished.toEpochMilli() & 0xffff_ffff_ffffL, txnId);
    }

    /** Whether {@code name} is an entry's name (rather than a foreign node). */
    public static boolean isEntry(String name) {
        return NAME.matcher(name).matches();
    }

    /** The transaction id in an entry's name, or null if {@code name} is not an entry's. */
    public static String txnId(String name) {
        Matcher matcher = NAME.matcher(name);
        return matcher.matches() ? matcher.group(2) : null;
    }

    public static byte[] encode(Outcome outcome) {
        StringBuilder text = new StringBuilder(FORMAT).append("=1\n");
        text.append("state=").append(outcome.state()).append('\n');
        text.append("finished=").append(outcome.finishedAt().orElseThrow().toEpochMilli()).append('\n');
        text.append("participants=").append(String.join(",", outcome.participants())).append('\n');
        text.append("reason=").append(escape(outcome.reason())).append('\n');
        outcome.votes().forEach((participant, vote) -> text.append("vote.").append(participant).append('=')
                .append(vote.isYes() ? "YES" : "NO:" + escape(vote.reason())).append('\n'));
        outcome.heuristics().forEach((participant, found) -> text.append("heuristic.").append(participant).append('=')
                .append(escape(found)).append('\n'));
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @throws CorruptNodeException naming the transaction if {@code data} is not an entry */
    public static Outcome decode(String txnId, byte[] data) throws CorruptNodeException {
        Map<String, String> fields = new HashMap<>();
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (!"1".equals(fields.get(FORMAT))) {
            throw new CorruptNodeException("transaction " + txnId + ": its history entry is not a Baton outcome"
                    + " (format 1); found " + TxnRecord.describe(data));
        }
        try {
            List<String> participants = new ArrayList<>(List.of(fields.getOrDefault("participants", "").split(",")));
            participants.forEach(TxnNames::checkParticipant);
            Map<String, Vote> votes = new LinkedHashMap<>();
            for (String participant : participants) {
                String vote = fields.get("vote." + participant);
                if (vote != null && !vote.equals("YES") && !vote.startsWith("NO:")) {
                    throw new IllegalArgumentException("the vote of '" + participant + "' is neither YES nor NO");
                }
                if (vote != null) {
                    votes.put(participant, vote.equals("YES") ? Vote.yes() : Vote.no(unescape(vote.substring(3))));
                }
            }
            Map<String, String> heuristics = new LinkedHashMap<>();
            for (String participant : participants) {
                String found = fields.get("heuristic." + participant);
                if (found != null) {
                    heuristics.put(participant, unescape(found));
                }
            }
            return new Outcome(txnId, TransactionState.valueOf(fields.getOrDefault("state", "?")),
                    unescape(fields.getOrDefault("reason", "")), participants, votes,
                    Instant.ofEpochMilli(Long.parseLong(fields.getOrDefault("finished", "?"))), heuristics);
        } catch (RuntimeException e) {
            throw new CorruptNodeException("transaction " + txnId + ": its history entry is damaged: " + e.getMessage());
        }
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\n", "\\n");
    }

    private static String unescape(String value) {
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                char next = value.charAt(++i);
                out.append(next == 'n' ? '\n' : next);
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
