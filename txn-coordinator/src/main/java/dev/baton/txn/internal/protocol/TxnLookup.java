package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.TransactionStatus;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnRecord;

import java.util.Objects;
import java.util.Optional;
import org.apache.zookeeper.data.Stat;

/**
 * Reads one transaction's state or outcome for a caller: from its znodes while it exists, else
 * from the history. The collect that deletes the znodes creates the history entry in the same
 * write, so a transaction is always found in one place or the other until it leaves the history.
 */
public final class TxnLookup {

    private final CoordinatorCore core;
    private final String txnId;

    public TxnLookup(CoordinatorCore core, String txnId) {
        this.core = core;
        this.txnId = Objects.requireNonNull(txnId, "txnId");
    }

    public Optional<TransactionState> state() {
        if (!TxnNames.isTxnId(txnId)) {
            return Optional.empty();
        }
        try {
            if (core.zk.exists(core.layout.record(txnId), null) != null) {
                byte[] decision = core.zk.data(core.layout.decision(txnId), null);
                if (decision == null && core.zk.exists(core.layout.record(txnId), null) != null) {
                    return Optional.of(TransactionState.PREPARING);
                }
                if (decision != null) {
                    return Optional.of(TxnCodec.decision(txnId, decision).state());
                }
            }
            return core.history.find(txnId).map(Outcome::state);
        } catch (CorruptNodeException e) {
            throw new TransactionException(txnId, e.getMessage(), e);
        } catch (Exception e) {
            throw new TransactionException(txnId, "cannot read its state from ZooKeeper: " + e, e);
        }
    }

    public Optional<Outcome> outcome() {
        if (!TxnNames.isTxnId(txnId)) {
            return Optional.empty();
        }
        try {
            Optional<Outcome> live = fromZnodes();
            return live != null ? live : core.history.find(txnId);
        } catch (CorruptNodeException e) {
            throw new TransactionException(txnId, e.getMessage(), e);
        } catch (Exception e) {
            throw new TransactionException(txnId, "cannot read its outcome from ZooKeeper: " + e, e);
        }
    }

    /**
     * Where the transaction stands: its znodes, else the history, else what the history's mark
     * allows to conclude. The record is read before the history: the collect that deletes it
     * creates the history entry in the same write.
     */
    public TransactionStatus status() {
        if (!TxnNames.isTxnId(txnId)) {
            throw new IllegalArgumentException("'" + txnId + "' is not a transaction id (tx-<12 hex>-<16 hex>)");
        }
        try {
            Optional<Outcome> live = fromZnodes();
            if (live != null) {
                return live.map(o -> new TransactionStatus(txnId, TransactionStatus.Kind.DECIDED, o))
                        .orElseGet(() -> new TransactionStatus(txnId, TransactionStatus.Kind.PREPARING, null));
            }
            return fromHistory(core.history.lookup(txnId));
        } catch (CorruptNodeException e) {
            throw new TransactionException(txnId, e.getMessage(), e);
        } catch (Exception e) {
            throw new TransactionException(txnId, "cannot read its status from ZooKeeper: " + e, e);
        }
    }

    /** The status a history lookup gives, for a transaction whose record was found absent before it. */
    public static TransactionStatus fromHistory(String txnId, TxnHistory.Lookup found) {
        switch (found.verdict()) {
            case FINISHED:
                return new TransactionStatus(txnId, TransactionStatus.Kind.FINISHED, found.outcome());
            case NOT_FINISHED:
                return new TransactionStatus(txnId, TransactionStatus.Kind.NOT_BEGUN, null);
            default:
                return new TransactionStatus(txnId, TransactionStatus.Kind.UNKNOWN, null);
        }
    }

    private TransactionStatus fromHistory(TxnHistory.Lookup found) {
        return fromHistory(txnId, found);
    }

    /** The outcome from the transaction's znodes: empty if undecided; null if they are gone (collected). */
    private Optional<Outcome> fromZnodes() throws Exception {
        byte[] recordData = core.zk.data(core.layout.record(txnId), null);
        if (recordData == null) {
            return null;
        }
        TxnRecord record = TxnCodec.record(txnId, recordData);
        Stat stat = new Stat();
        byte[] decisionData = core.zk.data(core.layout.decision(txnId), stat, null);
        if (decisionData == null) {
            return core.zk.exists(core.layout.record(txnId), null) == null ? null : Optional.empty();
        }
        Decision decision = TxnCodec.decision(txnId, decisionData);
        Ballot ballot = Ballot.forLookup(core, txnId);
        ballot.readAll(record);
        ballot.decidedAt(stat.getCzxid());
        return Optional.of(new Outcome(txnId, decision.state(), decision.reason(), record.participants(),
                ballot.castBeforeDecision(record)));
    }
}
