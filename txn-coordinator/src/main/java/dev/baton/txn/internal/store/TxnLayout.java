package dev.baton.txn.internal.store;

/**
 * Where everything lives in ZooKeeper, under the root ({@code /baton} by default):
 *
 * <pre>
 * txn/&lt;id&gt;                    the record: deadline, participants, creator
 * txn/&lt;id&gt;/branch/&lt;p&gt;         payload for participant p
 * txn/&lt;id&gt;/vote/&lt;p&gt;           YES | NO + reason
 * txn/&lt;id&gt;/decision            COMMIT | ABORT + reason, created exactly once
 * txn/&lt;id&gt;/ack/&lt;p&gt;            p applied the decision
 * txn/&lt;id&gt;/driver              the queue of the driver lease (a Baton lock whose queue we own)
 * txn/&lt;id&gt;/driver/lease-*      ephemeral: the lease of the coordinator instance driving it
 * txn-history/&lt;ms&gt;-&lt;id&gt;         the outcome of a collected transaction; the last K are kept
 * txn-history-keeper/lease-*   ephemeral: the lease of the coordinator instance that trims the history
 * participants/&lt;p&gt;/inbox/&lt;id&gt;  p has work to do in transaction id (until it acknowledges)
 * participants/&lt;p&gt;/live/&lt;i&gt;    ephemeral: a running instance of p
 * xa/live/&lt;owner&gt;              ephemeral: one session of an in-process XA coordinator ({@code XaTransactions})
 * xa/decisions/&lt;id&gt;            COMMIT of an in-process XA transaction (presumed abort: no node, no commit)
 * </pre>
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

    public String branches(String txnId) {
        return record(txnId) + "/branch";
    }

    public String branch(String txnId, String participant) {
        return branches(txnId) + "/" + participant;
    }

    public String votes(String txnId) {
        return record(txnId) + "/vote";
    }

    public String vote(String txnId, String participant) {
        return votes(txnId) + "/" + participant;
    }

    public String acks(String txnId) {
        return record(txnId) + "/ack";
    }

    public String ack(String txnId, String participant) {
        return acks(txnId) + "/" + participant;
    }

    public String decision(String txnId) {
        return record(txnId) + "/decision";
    }

    public String driver(String txnId) {
        return record(txnId) + "/driver";
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
