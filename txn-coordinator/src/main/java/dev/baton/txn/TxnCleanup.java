package dev.baton.txn;

import dev.baton.lock.zookeeper.ZooKeeperLockClient;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.KeeperException;

/** Deletes a finished transaction's znodes and records its outcome in the history, in one write. */
final class TxnCleanup {

    private TxnCleanup() {
    }

    /**
     * Deletes every node of the transaction, the driver's lease node included, and creates its
     * history entry (deleting the oldest ones beyond the history's size) in one {@code multi}: one
     * write, off the caller's path (the caller already has its outcome). Called by the driver once
     * every participant has acknowledged, which also means every inbox entry is gone.
     *
     * @param outcome the outcome to keep, with its finished time
     * @return false if this instance no longer holds the driver role (nothing was written)
     * @throws CorruptNodeException if the transaction has nodes the protocol did not create; it
     *     is then left in place
     */
    static boolean collect(CoordinatorCore core, String txnId, DriverLease driver, Outcome outcome) throws Exception {
        Zk zk = core.zk;
        TxnLayout layout = core.layout;
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
        if (!addDriverQueue(zk, layout.driver(txnId), driver, ops)) {
            return false;
        }
        ops.add(zk.deleteOp(layout.record(txnId)));
        TxnHistory.Plan history = core.history.plan(outcome);
        ops.addAll(history.ops());
        try {
            zk.multi(ops);
            core.history.written(history);
        } catch (KeeperException.NoNodeException e) {
            core.history.failed(history);
            if (zk.exists(layout.record(txnId), null) != null) {
                throw e;
            }
        } catch (KeeperException.NotEmptyException e) {
            core.history.failed(history);
            throw new CorruptNodeException("transaction " + txnId + " has nodes the protocol did not create"
                    + " (under " + e.getPath() + "); it is complete but left in place");
        } catch (Exception e) {
            core.history.failed(history);
            throw e;
        }
        driver.released();
        return true;
    }

    /**
     * Adds the deletes of the driver queue: our lease node (so the lease ends released, not lost),
     * any other queue node (a competitor about to withdraw its one-shot attempt), then the queue.
     */
    private static boolean addDriverQueue(Zk zk, String queue, DriverLease driver, List<CuratorOp> ops)
            throws Exception {
        CuratorOp release = driver.releaseOp();
        if (release == null) {
            return false;
        }
        ops.add(release);
        String mine = release.getTypeAndPath().getForPath();
        List<String> children = zk.children(queue, null);
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
