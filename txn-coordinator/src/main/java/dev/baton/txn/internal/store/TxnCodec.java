package dev.baton.txn.internal.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The one format of everything the protocol stores: a small JSON object per node, readable from
 * {@code zkCli}, whose {@code "baton"} field names what it is and its version
 * ({@code "txn/2"}, {@code "vote/1"}, {@code "decision/1"}, {@code "ack/1"}, {@code "outcome/1"},
 * {@code "history/1"}). A node that is not such an object, or whose fields are missing or
 * malformed, is a {@link CorruptNodeException} naming the node and what was found, never misread.
 * {@code txn/2} and {@code entry/2} are the layout without container nodes ({@link TxnLayout}); a
 * transaction begun by a build that wrote {@code txn/1} (its votes, acks and driver queue in
 * containers) is refused with that said, never driven with the wrong paths.
 *
 * <pre>
 * txn/&lt;id&gt;            {"baton":"txn/2","deadline":1733136000000,"participants":["a","b"],"createdBy":"123@host#1"}
 * txn/&lt;id&gt;/vote-&lt;p&gt;   {"baton":"vote/1","vote":"YES","attempt":"0f3a9c21b7d4"}
 *                    {"baton":"vote/1","vote":"NO","reason":"insufficient funds"}
 * txn/&lt;id&gt;/decision   {"baton":"decision/1","decision":"COMMIT","reason":"all 2 participants voted YES"}
 * participants/&lt;p&gt;/inbox/&lt;id&gt;  {"baton":"entry/2","deadline":…,"participants":[…],"createdBy":…} then a
 *                    line break and p's payload, the caller's bytes as they are
 * txn/&lt;id&gt;/ack-&lt;p&gt;    empty
 * txn/&lt;id&gt;/heuristic-&lt;p&gt;  {"baton":"ack/1","heuristic":"ROLLED_BACK: ..."}
 * txn-history/&lt;name&gt;  {"baton":"outcome/1","state":"COMMITTED","reason":"...","finished":1733136000123,
 *                     "participants":["a","b"],"votes":{"a":{"vote":"YES"},"b":{"vote":"YES"}},"heuristics":{}}
 * txn-history         {"baton":"history/1","trimmedThrough":1733135990000}  (empty: never trimmed)
 * xa/decisions/&lt;id&gt;  {"baton":"xa-decision/1","decision":"COMMIT","owner":"0f3a..-1c2d3e4f","resources":["bank_a","bank_b"]}
 * </pre>
 *
 * <p>Stateless and thread-safe.
 */
public final class TxnCodec {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RECORD = "txn/2";
    private static final String VOTE = "vote/1";
    private static final String DECISION = "decision/1";
    private static final String ACK = "ack/1";
    private static final String OUTCOME = "outcome/1";
    private static final String HISTORY = "history/1";
    private static final String XA_DECISION = "xa-decision/1";
    private static final String ENTRY = "entry/2";

    private TxnCodec() {
    }

    public static byte[] record(TxnRecord record) {
        ObjectNode node = object(RECORD);
        node.put("deadline", record.deadlineMillis());
        strings(node.putArray("participants"), record.participants());
        node.put("createdBy", record.createdBy());
        return bytes(node);
    }

    public static TxnRecord record(String txnId, byte[] data) throws CorruptNodeException {
        String what = "transaction " + txnId + ": the record";
        JsonNode node = parse(what, RECORD, data);
        try {
            List<String> participants = new ArrayList<>();
            for (String name : strings(what, node, "participants")) {
                participants.add(TxnNames.checkParticipant(name));
            }
            if (participants.isEmpty()) {
                throw new IllegalArgumentException("no participants");
            }
            return new TxnRecord(txnId, number(what, node, "deadline"), participants, text(what, node, "createdBy"));
        } catch (IllegalArgumentException e) {
            throw damaged(what, String.valueOf(e.getMessage()));
        }
    }

    public static byte[] vote(CastVote vote) {
        ObjectNode node = object(VOTE);
        if (vote.vote().isYes()) {
            node.put("vote", "YES");
            node.put("attempt", vote.attempt());
        } else {
            node.put("vote", "NO");
            node.put("reason", vote.vote().reason());
        }
        return bytes(node);
    }

    public static CastVote vote(String txnId, String participant, byte[] data) throws CorruptNodeException {
        String what = "transaction " + txnId + ": the vote of participant '" + participant + "'";
        JsonNode node = parse(what, VOTE, data);
        String vote = text(what, node, "vote");
        if (vote.equals("YES")) {
            String attempt = text(what, node, "attempt");
            if (!TxnNames.isAttempt(attempt)) {
                throw damaged(what, "'" + attempt + "' is not an attempt id");
            }
            return new CastVote(Vote.yes(), attempt);
        }
        if (vote.equals("NO")) {
            return new CastVote(Vote.no(text(what, node, "reason")), null);
        }
        throw damaged(what, "the vote is neither YES nor NO but '" + vote + "'");
    }

    public static byte[] decision(Decision decision) {
        ObjectNode node = object(DECISION);
        node.put("decision", decision.commit() ? "COMMIT" : "ABORT");
        node.put("reason", decision.reason());
        return bytes(node);
    }

    public static Decision decision(String txnId, byte[] data) throws CorruptNodeException {
        String what = "transaction " + txnId + ": the decision";
        JsonNode node = parse(what, DECISION, data);
        String word = text(what, node, "decision");
        String reason = text(what, node, "reason");
        switch (word) {
            case "COMMIT":
                return Decision.commit(reason);
            case "ABORT":
                return Decision.abort(reason);
            default:
                throw damaged(what, "neither COMMIT nor ABORT but '" + word + "'");
        }
    }

    /**
     * An inbox entry: the record's fields, so the host needs no other read to prepare, then a line
     * break and the participant's payload as it is (not escaped: it may be anything).
     */
    public static byte[] entry(TxnRecord record, byte[] payload) {
        ObjectNode node = object(ENTRY);
        node.put("deadline", record.deadlineMillis());
        strings(node.putArray("participants"), record.participants());
        node.put("createdBy", record.createdBy());
        byte[] header = bytes(node);
        byte[] data = new byte[header.length + 1 + payload.length];
        System.arraycopy(header, 0, data, 0, header.length);
        data[header.length] = '\n';
        System.arraycopy(payload, 0, data, header.length + 1, payload.length);
        return data;
    }

    /** An inbox entry as read: the transaction's record and this participant's payload. */
    public record Entry(TxnRecord record, byte[] payload) {
    }

    public static Entry entry(String txnId, String participant, byte[] data) throws CorruptNodeException {
        String what = "transaction " + txnId + ": the inbox entry of participant '" + participant + "'";
        int end = 0;
        while (end < data.length && data[end] != '\n') {
            end++;
        }
        if (end == data.length) {
            throw damaged(what, "no line break after its header (" + describe(data) + ")");
        }
        JsonNode node = parse(what, ENTRY, java.util.Arrays.copyOfRange(data, 0, end));
        try {
            List<String> participants = new ArrayList<>();
            for (String name : strings(what, node, "participants")) {
                participants.add(TxnNames.checkParticipant(name));
            }
            if (!participants.contains(participant)) {
                throw new IllegalArgumentException("it does not list '" + participant + "' among the participants");
            }
            return new Entry(new TxnRecord(txnId, number(what, node, "deadline"), participants,
                    text(what, node, "createdBy")), java.util.Arrays.copyOfRange(data, end + 1, data.length));
        } catch (IllegalArgumentException e) {
            throw damaged(what, String.valueOf(e.getMessage()));
        }
    }

    /** The COMMIT of an in-process XA transaction: who decided, and the resources whose branches it commits. */
    public static byte[] xaDecision(XaDecision decision) {
        ObjectNode node = object(XA_DECISION);
        node.put("decision", "COMMIT");
        node.put("owner", decision.owner());
        strings(node.putArray("resources"), decision.resources());
        return bytes(node);
    }

    public static XaDecision xaDecision(String txnId, byte[] data) throws CorruptNodeException {
        String what = "XA transaction " + txnId + ": the decision";
        JsonNode node = parse(what, XA_DECISION, data);
        String word = text(what, node, "decision");
        if (!word.equals("COMMIT")) {
            throw damaged(what, "not COMMIT but '" + word + "' (an XA decision is only ever COMMIT)");
        }
        return new XaDecision(txnId, text(what, node, "owner"), strings(what, node, "resources"));
    }

    /** An acknowledgement: empty, or one that reports a heuristic outcome. */
    public static byte[] ack(@Nullable String heuristic) {
        if (heuristic == null) {
            return new byte[0];
        }
        ObjectNode node = object(ACK);
        node.put("heuristic", heuristic);
        return bytes(node);
    }

    /** The heuristic an acknowledgement reports, or null for a normal (empty) one. */
    public static @Nullable String ackHeuristic(String txnId, String participant, byte @Nullable [] data) throws CorruptNodeException {
        if (data == null || data.length == 0) {
            return null;
        }
        String what = "transaction " + txnId + ": the acknowledgement of participant '" + participant + "'";
        return text(what, parse(what, ACK, data), "heuristic");
    }

    /** A finished transaction's outcome, with its finished time. */
    public static byte[] outcome(Outcome outcome) {
        ObjectNode node = object(OUTCOME);
        node.put("state", outcome.state().name());
        node.put("reason", outcome.reason());
        node.put("finished", outcome.finishedAt().orElseThrow().toEpochMilli());
        strings(node.putArray("participants"), outcome.participants());
        ObjectNode votes = node.putObject("votes");
        outcome.votes().forEach((participant, vote) -> {
            ObjectNode cast = votes.putObject(participant);
            cast.put("vote", vote.isYes() ? "YES" : "NO");
            if (!vote.isYes()) {
                cast.put("reason", vote.reason());
            }
        });
        ObjectNode heuristics = node.putObject("heuristics");
        outcome.heuristics().forEach(heuristics::put);
        return bytes(node);
    }

    public static Outcome outcome(String txnId, byte[] data) throws CorruptNodeException {
        String what = "transaction " + txnId + ": its history entry";
        JsonNode node = parse(what, OUTCOME, data);
        try {
            List<String> participants = strings(what, node, "participants");
            participants.forEach(TxnNames::checkParticipant);
            Map<String, Vote> votes = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> cast : field(what, node, "votes").properties()) {
                String word = text(what, cast.getValue(), "vote");
                if (!word.equals("YES") && !word.equals("NO")) {
                    throw new IllegalArgumentException("the vote of '" + cast.getKey() + "' is neither YES nor NO");
                }
                votes.put(cast.getKey(), word.equals("YES") ? Vote.yes() : Vote.no(text(what, cast.getValue(), "reason")));
            }
            Map<String, String> heuristics = new LinkedHashMap<>();
            JsonNode found = node.get("heuristics");
            if (found != null) {
                for (Map.Entry<String, JsonNode> heuristic : found.properties()) {
                    heuristics.put(heuristic.getKey(), heuristic.getValue().asText());
                }
            }
            return new Outcome(txnId, TransactionState.valueOf(text(what, node, "state")), text(what, node, "reason"),
                    participants, votes, Instant.ofEpochMilli(number(what, node, "finished")), heuristics);
        } catch (IllegalArgumentException e) {
            throw damaged(what, String.valueOf(e.getMessage()));
        }
    }

    public static byte[] mark(HistoryMark mark) {
        ObjectNode node = object(HISTORY);
        node.put("trimmedThrough", mark.trimmedThrough());
        return bytes(node);
    }

    /** The history node's mark; an empty node (a history never trimmed) is {@link HistoryMark#NONE}. */
    public static HistoryMark mark(String path, byte[] data) throws CorruptNodeException {
        if (data == null || data.length == 0) {
            return HistoryMark.NONE;
        }
        String what = "the history node " + path;
        return new HistoryMark(number(what, parse(what, HISTORY, data), "trimmedThrough"));
    }

    /** A short, printable account of what a node holds, for error messages. */
    public static String describe(byte[] data) {
        if (data == null || data.length == 0) {
            return "an empty node";
        }
        String text = new String(data, 0, Math.min(data.length, 40), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
        return data.length + " bytes starting '" + text + "'";
    }

    private static ObjectNode object(String format) {
        ObjectNode node = JSON.createObjectNode();
        node.put("baton", format);
        return node;
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + node, e); // a tree of strings and numbers: never
        }
    }

    private static JsonNode parse(String what, String format, byte[] data) throws CorruptNodeException {
        JsonNode node;
        try {
            node = data == null || data.length == 0 ? null : JSON.readTree(data);
        } catch (IOException e) {
            node = null;
        }
        String found = node == null || !node.isObject() ? null : node.path("baton").asText(null);
        String kind = format.substring(0, format.indexOf('/') + 1);
        if (found != null && !found.equals(format) && found.startsWith(kind)) {
            throw new CorruptNodeException(what + " was written by another Baton build (format " + found
                    + "); this build reads format " + format + " only: finish it with the build that wrote it");
        }
        if (node == null || !node.isObject() || !format.equals(found)) {
            throw new CorruptNodeException(what + " is not a Baton " + format.substring(0, format.indexOf('/'))
                    + " record (format " + format + "); found " + describe(data));
        }
        return node;
    }

    private static JsonNode field(String what, JsonNode node, String name) throws CorruptNodeException {
        JsonNode value = node.get(name);
        if (value == null || value.isNull()) {
            throw damaged(what, "no '" + name + "'");
        }
        return value;
    }

    private static String text(String what, JsonNode node, String name) throws CorruptNodeException {
        JsonNode value = field(what, node, name);
        if (!value.isTextual()) {
            throw damaged(what, "'" + name + "' is not text");
        }
        return value.asText();
    }

    private static long number(String what, JsonNode node, String name) throws CorruptNodeException {
        JsonNode value = field(what, node, name);
        if (!value.isIntegralNumber()) {
            throw damaged(what, "'" + name + "' is not a whole number");
        }
        return value.asLong();
    }

    private static List<String> strings(String what, JsonNode node, String name) throws CorruptNodeException {
        JsonNode array = field(what, node, name);
        if (!array.isArray()) {
            throw damaged(what, "'" + name + "' is not a list");
        }
        List<String> values = new ArrayList<>();
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                throw damaged(what, "'" + name + "' holds something other than text");
            }
            values.add(element.asText());
        }
        return values;
    }

    private static void strings(ArrayNode array, List<String> values) {
        values.forEach(array::add);
    }

    private static CorruptNodeException damaged(String what, String problem) {
        return new CorruptNodeException(what + " is damaged: " + problem);
    }
}
