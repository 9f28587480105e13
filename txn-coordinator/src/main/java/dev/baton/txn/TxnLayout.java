package dev.baton.txn;

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
 * </pre>
 */
final class TxnLayout {

    private final String root;

    TxnLayout(String root) {
        this.root = root;
    }

    String txns() {
        return root + "/txn";
    }

    String participants() {
        return root + "/participants";
    }

    String record(String txnId) {
        return txns() + "/" + txnId;
    }

    String branches(String txnId) {
        return record(txnId) + "/branch";
    }

    String branch(String txnId, String participant) {
        return branches(txnId) + "/" + participant;
    }

    String votes(String txnId) {
        return record(txnId) + "/vote";
    }

    String vote(String txnId, String participant) {
        return votes(txnId) + "/" + participant;
    }

    String acks(String txnId) {
        return record(txnId) + "/ack";
    }

    String ack(String txnId, String participant) {
        return acks(txnId) + "/" + participant;
    }

    String decision(String txnId) {
        return record(txnId) + "/decision";
    }

    String driver(String txnId) {
        return record(txnId) + "/driver";
    }

    String history() {
        return root + "/txn-history";
    }

    String historyKeeper() {
        return root + "/txn-history-keeper";
    }

    String historyEntry(String name) {
        return history() + "/" + name;
    }

    String participant(String participant) {
        return participants() + "/" + participant;
    }

    String inbox(String participant) {
        return participant(participant) + "/inbox";
    }

    String inboxEntry(String participant, String txnId) {
        return inbox(participant) + "/" + txnId;
    }

    String live(String participant) {
        return participant(participant) + "/live";
    }
}
