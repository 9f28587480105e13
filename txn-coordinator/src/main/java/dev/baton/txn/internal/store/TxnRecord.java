package dev.baton.txn.internal.store;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The transaction record, {@code txn/<id>}: what every party needs to finish the transaction.
 * Stored as UTF-8 {@code key=value} lines with a format version, so that a foreign or damaged
 * node is recognised rather than misread.
 */
public record TxnRecord(String txnId, long deadlineMillis, List<String> participants, String createdBy) {

    private static final String FORMAT = "baton-txn";

    public TxnRecord {
        participants = List.copyOf(participants);
    }

    public Instant deadline() {
        return Instant.ofEpochMilli(deadlineMillis);
    }

    public byte[] encode() {
        String text = FORMAT + "=1\ndeadline=" + deadlineMillis + "\nparticipants=" + String.join(",", participants)
                + "\ncreated-by=" + createdBy + "\n";
        return text.getBytes(StandardCharsets.UTF_8);
    }

    public static TxnRecord decode(String txnId, byte[] data) throws CorruptNodeException {
        Map<String, String> fields = new LinkedHashMap<>();
        String text = data == null ? "" : new String(data, StandardCharsets.UTF_8);
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        if (!"1".equals(fields.get(FORMAT))) {
            throw new CorruptNodeException("transaction " + txnId + ": the record is not a Baton transaction record"
                    + " (format 1); found " + describe(data));
        }
        try {
            long deadline = Long.parseLong(fields.getOrDefault("deadline", ""));
            List<String> participants = new ArrayList<>();
            for (String name : fields.getOrDefault("participants", "").split(",")) {
                participants.add(TxnNames.checkParticipant(name));
            }
            return new TxnRecord(txnId, deadline, participants, fields.getOrDefault("created-by", "?"));
        } catch (IllegalArgumentException e) {
            throw new CorruptNodeException("transaction " + txnId + ": the record is damaged: " + e.getMessage());
        }
    }

    public static String describe(byte[] data) {
        if (data == null || data.length == 0) {
            return "an empty node";
        }
        String text = new String(data, 0, Math.min(data.length, 40), StandardCharsets.UTF_8).replaceAll("\\p{Cntrl}", "?");
        return data.length + " bytes starting '" + text + "'";
    }
}
