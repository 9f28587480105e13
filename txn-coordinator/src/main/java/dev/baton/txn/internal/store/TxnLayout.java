package dev.baton.txn.internal.store;

/**
 * Where everything lives in ZooKeeper, under the root ({@code /baton} by default):
 *
 * <pre>
 * txn/&lt;id&gt;                    the record: deadline, participants, creator; it is also the
 *                              queue of the driver lease (a Baton lock whose queue we own)
 * txn/&lt;id&gt;/vote-&lt;p&gt;           YES | NO + reason
 * txn/&lt;id&gt;/decision            COMMIT | ABORT + reason, created exactly once
 * txn/&lt;id&gt;/ack-&lt;p&gt;            p applied the decision
 * txn/&lt;id&gt;/heuristic-&lt;p&gt;      p applied it, but its branch had already ended otherwise: why
 * txn/&lt;id&gt;/lease-*             ephemeral: the lease of the coordinator instance driving it
 * txn-history/&lt;ms&gt;-&lt;id&gt;         the outcome of a collected transaction; the last K are kept
 * txn-history-keeper/lease-*   ephemeral: the lease of the coordinator instance that trims the history
 * participants/&lt;p&gt;/inbox/&lt;id&gt;  p has work to do in transaction id (until it acknowledges):
 *                              the record's fields and p's payload
 * participants/&lt;p&gt;/inbox/&lt;id&gt;/COMMIT|ABORT  the decision, for p's host (created with it)
 * participants/&lt;p&gt;/live/&lt;i&gt;    ephemeral: a running instance of p
 * xa/live/&lt;owner&gt;              ephemeral: one session of an in-process XA coordinator ({@code XaTransactions})
 * xa/decisions/&lt;id&gt;            COMMIT of an in-process XA transaction (presumed abort: no node, no commit)
 * </pre>
 *
 * <p>A transaction's nodes are all children of its record, told apart by their prefixes (no
 * participant name contains a {@code /}, and no prefix is another's): no container nodes, so a
 * begin creates, and a collect deletes, only the nodes that say something. Every node created or
 * deleted under {@code txn/} is a watch event the coordinator's persistent watch receives.
 */
public final class TxnLayout {

    private final String root;

    public TxnLayout(String root) {
        this.root = root;
    }

    public String txns() {
        return root + "/txn";
    }

    public String participants() {
        return root + "/participants";
    }

    public String record(String txnId) {
        return txns() + "/" + txnId;
    }

    /** The name prefix of a vote under the record. */
    public static final String VOTE = "vote-";
    /** The name prefix of an acknowledgement under the record. */
    public static final String ACK = "ack-";
    /** The name prefix of an acknowledgement that reports a heuristic outcome. */
    public static final String HEURISTIC = "heuristic-";
    /** The name of the decision under the record. */
    public static final String DECISION = "decision";

    public String vote(String txnId, String participant) {
        return record(txnId) + "/" + VOTE + participant;
    }

    /** The acknowledgement of {@code participant}: plain, or reporting a heuristic outcome. */
    public String ack(String txnId, String participant, boolean heuristic) {
        return record(txnId) + "/" + (heuristic ? HEURISTIC : ACK) + participant;
    }

    public String decision(String txnId) {
        return record(txnId) + "/" + DECISION;
    }

    /** The queue of the driver lease: the record itself, whose other children the lock ignores. */
    public String driver(String txnId) {
        return record(txnId);
    }

    public String history() {
        return root + "/txn-history";
    }

    public String historyKeeper() {
        return root + "/txn-history-keeper";
    }

    public String historyEntry(String name) {
        return history() + "/" + name;
    }

    public String participant(String participant) {
        return participants() + "/" + participant;
    }

    public String inbox(String participant) {
        return participant(participant) + "/inbox";
    }

    public String inboxEntry(String participant, String txnId) {
        return inbox(participant) + "/" + txnId;
    }

    /** The child of an inbox entry that tells its host the decision: {@code COMMIT} or {@code ABORT}. */
    public String decisionMarker(String participant, String txnId, boolean commit) {
        return inboxEntry(participant, txnId) + "/" + (commit ? "COMMIT" : "ABORT");
    }

    public String live(String participant) {
        return participant(participant) + "/live";
    }

    public String xaLive() {
        return root + "/xa/live";
    }

    public String xaLive(String owner) {
        return xaLive() + "/" + owner;
    }

    public String xaDecisions() {
        return root + "/xa/decisions";
    }

    public String xaDecision(String txnId) {
        return xaDecisions() + "/" + txnId;
    }
}
