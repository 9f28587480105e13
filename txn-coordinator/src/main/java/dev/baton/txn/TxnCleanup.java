package dev.baton.txn;

import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;

/** Deletes a finished transaction's znodes. */
final class TxnCleanup {

    private TxnCleanup() {
    }

    /**
     * Deletes every node of the transaction in one {@code multi}: one write, off the caller's path
     * (the caller already has its outcome). Called once every participant has acknowledged, which
     * also means every inbox entry of the transaction is gone.
     *
     * @throws CorruptNodeException if the transaction has nodes the protocol did not create; it
     *     is then left in place
     */
    static void collect(Zk zk, TxnLayout layout, String txnId) throws Exception {
        List<CuratorOp> ops = new ArrayList<>();
        for (String parent : List.of(layout.acks(txnId), layout.votes(txnId), layout.branches(txnId))) {
            List<String> children = zk.children(parent, null);
            for (String child : children == null ? List.<String>of() : children) {
                ops.add(zk.deleteOp(parent + "/" + child));
            }
            if (children != null) {
                ops.add(zk.deleteOp(parent));
            }
        }
        ops.add(zk.deleteOp(layout.decision(txnId)));
        ops.add(zk.deleteOp(layout.driver(txnId)));
        ops.add(zk.deleteOp(layout.record(txnId)));
        try {
            zk.multi(ops);
        } catch (KeeperException.NoNodeException e) {
            if (zk.exists(layout.record(txnId), null) != null) {
                throw e;
            }
        } catch (KeeperException.NotEmptyException e) {
            throw new CorruptNodeException("transaction " + txnId + " has nodes the protocol did not create"
                    + " (under " + e.getPath() + "); it is complete but left in place");
        }
    }
}
