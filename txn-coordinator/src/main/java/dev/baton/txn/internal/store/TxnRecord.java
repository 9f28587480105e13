package dev.baton.txn.internal.store;

import java.time.Instant;
import java.util.List;

/** The transaction record, {@code txn/<id>}: what every party needs to finish the transaction. */
public record TxnRecord(String txnId, long deadlineMillis, List<String> participants, String createdBy) {

    public TxnRecord {
        participants = List.copyOf(participants);
    }

    public Instant deadline() {
        return Instant.ofEpochMilli(deadlineMillis);
    }
}
