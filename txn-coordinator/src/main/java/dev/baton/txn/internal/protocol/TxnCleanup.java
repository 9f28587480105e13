package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.Zk;

import dev.baton.lock.zookeeper.ZooKeeperLockClient;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;

/** Deletes a finished transaction's znodes and records its outcome in the history, in one write. */
public final class TxnCleanup {

    private TxnCleanup() {
    }

    /**
     * The children the driver already knows: the acknowledgements it just listed, the vote nodes it
     * read and the branches of the record. A collect first deletes these without listing anything;
     * only if the {@code multi} meets a node it did not know (a vote cast after the outcome was
     * read, a competitor's node in the driver queue) does it list and try again.
     */
    public record Known(List<String> acks, List<String> votes, List<String> branches) {
    }

    /**
     * Deletes every node of the transaction, the driver's lease node included, and creates its
     * history entry (deleting the oldest ones beyond the history's size) in one {@code multi}: one
     * write, off the caller's path (the caller already has its outcome). Called by the driver once
     * every participant has acknowledged, which also means every inbox entry is gone.
     *
     * @param outcome the outcome to keep, with its finished time
     * @param known the children the driver knows of, tried first; null to list them all
     * @return false if this instance no longer holds the driver role (nothing was written)
     * @throws CorruptNodeException if the transaction has nodes the protocol did not create; it
     *     is then left in place
     */
    public static boolean collect(CoordinatorCore core, String txnId, DriverLease driver, Outcome outcome, Known known)
            throws Exception {
        if (known != null && known.acks() != null) {
            try {
                return collectOnce(core, txnId, driver, outcome, known);
            } catch (KeeperException.NotEmptyException e) {
                // a node nobody told us of: list everything and try again
            }
        }
        return collectOnce(core, txnId, driver, outcome, null);
    }

    private static boolean collectOnce(CoordinatorCore core, String txnId, DriverLease driver, Outcome outcome,
            Known known) throws Exception {
        Zk zk = core.zk;
        TxnLayout layout = core.layout;
        List<CuratorOp> ops = new ArrayList<>();
        List<List<String>> knownChildren = known == null ? null : List.of(known.acks(), known.votes(), known.branches());
        List<String> parents = List.of(layout.acks(txnId), layout.votes(txnId), layout.branches(txnId));
        for (int i = 0; i < parents.size(); i++) {
            String parent = parents.get(i);
            List<String> children = knownChildren == null ? zk.children(parent, null) : knownChildren.get(i);
            for (String child : children == null ? List.<String>of() : children) {
                ops.add(zk.deleteOp(parent + "/" + child));
            }
            if (children != null) {
                ops.add(zk.deleteOp(parent));
            }
        }
        ops.add(zk.deleteOp(layout.decision(txnId)));
        if (!addDriverQueue(zk, layout.driver(txnId), driver, ops, known == null)) {
            return false;
        }
        ops.add(zk.deleteOp(layout.record(txnId)));
        core.keeper.collecting();
        TxnHistory.Plan history = core.history.plan(outcome, core.keeper.victims(1));
        ops.addAll(history.ops());
        try {
            zk.multi(ops);
            core.keeper.deleted(history.trim());
        } catch (KeeperException.NoNodeException e) {
            core.keeper.failed(history.trim());
            if (zk.exists(layout.record(txnId), null) != null) {
                throw e;
            }
        } catch (KeeperException.NotEmptyException e) {
            core.keeper.failed(history.trim());
            if (known != null) {
                throw e;
            }
            throw new CorruptNodeException("transaction " + txnId + " has nodes the protocol did not create"
                    + " (under " + e.getPath() + "); it is complete but left in place");
        } catch (Exception e) {
            core.keeper.failed(history.trim());
            throw e;
        }
        driver.released();
        return true;
    }

    /**
     * Adds the deletes of the driver queue: our lease node (so the lease ends released, not lost),
     * any other queue node (a competitor about to withdraw its one-shot attempt), then the queue.
     */
    private static boolean addDriverQueue(Zk zk, String queue, DriverLease driver, List<CuratorOp> ops, boolean list)
            throws Exception {
        CuratorOp release = driver.releaseOp();
        if (release == null) {
            return false;
        }
        ops.add(release);
        String mine = release.getTypeAndPath().getForPath();
        List<String> children = list ? zk.children(queue, null) : List.of();
        for (String child : children == null ? List.<String>of() : children) {
            String path = queue + "/" + child;
            if (!path.equals(mine) && ZooKeeperLockClient.isQueueNode(child)) {
                ops.add(zk.deleteOp(path));
            }
        }
        ops.add(zk.deleteOp(queue));
        return true;
    }
}
