package dev.baton.txn;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Begins a transaction: checks its participants, then writes everything it needs in one
 * {@code multi} and hands it to a {@link TxnDriver}. Runs on a coordinator thread, or on the thread
 * of a synchronous {@code commit()}.
 */
final class TxnBegin {

    private final CoordinatorCore core;
    private final LiveParticipants live;

    TxnBegin(CoordinatorCore core, LiveParticipants live) {
        this.core = core;
        this.live = live;
    }

    void begin(Map<String, byte[]> branches, Duration timeout, CompletableFuture<Outcome> future) {
        try {
            live.check(branches.keySet());
        } catch (IllegalArgumentException | IllegalStateException e) {
            core.deliver(future, null, e);
            return;
        } catch (Exception e) {
            core.deliver(future, null, new TransactionException(null, "cannot check the participants in ZooKeeper;"
                    + " nothing was written: " + e, e));
            return;
        }
        long now = core.clock.millis();
        TxnRecord record = new TxnRecord(TxnNames.newTxnId(now), now + timeout.toMillis(),
                new ArrayList<>(branches.keySet()), core.instanceId);
        TxnDriver driver = new TxnDriver(core, record.txnId(), future, record);
        core.adopt(driver);
        try {
            core.zk.multi(beginOps(record, branches, driver));
        } catch (KeeperException.NodeExistsException e) {
            if (!isOurs(record)) {
                core.forget(driver);
                core.deliver(future, null, new TransactionException(record.txnId(), "id already taken", e));
                return;
            }
        } catch (KeeperException e) {
            if (!isAmbiguous(e)) {
                core.forget(driver);
                core.deliver(future, null, new TransactionException(record.txnId(), "ZooKeeper refused the begin;"
                        + " nothing was written: " + e, e));
                return;
            }
        } catch (Exception e) {
            // The driver looks at ZooKeeper and tells the caller what became of the transaction.
        }
        try {
            core.step(StepListener.Step.BEGUN, record.txnId());
        } finally {
            driver.schedule();
        }
    }

    /**
     * The begin: record, branches, vote and ack parents, inbox entries, and the driver lease's
     * queue with this instance's lease node in it, in one write.
     */
    private List<CuratorOp> beginOps(TxnRecord record, Map<String, byte[]> branches, TxnDriver driver)
            throws Exception {
        TxnLayout layout = core.layout;
        Zk zk = core.zk;
        String id = record.txnId();
        byte[] none = new byte[0];
        List<CuratorOp> ops = new ArrayList<>();
        ops.add(zk.createOp(layout.record(id), record.encode(), CreateMode.PERSISTENT));
        ops.add(zk.createOp(layout.branches(id), none, CreateMode.PERSISTENT));
        for (Map.Entry<String, byte[]> branch : branches.entrySet()) {
            ops.add(zk.createOp(layout.branch(id, branch.getKey()), branch.getValue(), CreateMode.PERSISTENT));
        }
        ops.add(zk.createOp(layout.votes(id), none, CreateMode.PERSISTENT));
        ops.add(zk.createOp(layout.acks(id), none, CreateMode.PERSISTENT));
        for (String participant : branches.keySet()) {
            ops.add(zk.createOp(layout.inboxEntry(participant, id), none, CreateMode.PERSISTENT));
        }
        ops.add(zk.createOp(layout.driver(id), none, CreateMode.PERSISTENT));
        ops.add(driver.beginOp());
        return ops;
    }

    private boolean isOurs(TxnRecord record) {
        try {
            return Arrays.equals(core.zk.data(core.layout.record(record.txnId()), null), record.encode());
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean isAmbiguous(KeeperException e) {
        return e.code() == KeeperException.Code.CONNECTIONLOSS || e.code() == KeeperException.Code.OPERATIONTIMEOUT
                || e.code() == KeeperException.Code.SESSIONEXPIRED || e.code() == KeeperException.Code.SESSIONMOVED;
    }

}
