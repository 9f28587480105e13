package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionException;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.internal.store.Zk;
import dev.baton.txn.internal.store.ZkErrors;

import java.time.Duration;
import java.util.ArrayList;
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
public final class TxnBegin {

    private final CoordinatorCore core;
    private final LiveParticipants live;

    public TxnBegin(CoordinatorCore core, LiveParticipants live) {
        this.core = core;
        this.live = live;
    }

    public void begin(Map<String, byte[]> branches, Duration timeout, CompletableFuture<Outcome> future) {
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
        List<CuratorOp> ops;
        try {
            ops = beginOps(record, branches, driver);
        } catch (Exception e) {
            core.deliver(future, null, new TransactionException(record.txnId(), "cannot prepare the begin; nothing"
                    + " was written: " + e, e));
            return;
        }
        core.adopt(driver);
        core.step(StepListener.Step.BEGINNING, record.txnId());
        try {
            // Sent once, never by Curator's retry loop: a resend after its reply was lost could
            // bring back a transaction that meanwhile finished and was collected (issue 10).
            core.zk.multiOnce(ops);
        } catch (Zk.NotSentException e) {
            refused(driver, future, "ZooKeeper is unreachable (" + e.getMessage() + "); nothing was written", e);
            return;
        } catch (KeeperException e) {
            if (e.code() == KeeperException.Code.NODEEXISTS) {
                refused(driver, future, "id already taken; nothing was written", e);
                return;
            }
            if (!ZkErrors.isAmbiguous(e)) {
                refused(driver, future, "ZooKeeper refused the begin; nothing was written: " + e, e);
                return;
            }
            // The reply was lost: the driver finds out from ZooKeeper whether the begin took effect.
            driver.beginUncertain(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            driver.beginUncertain(e);
        } catch (Exception e) {
            driver.beginUncertain(e);
        }
        try {
            core.step(StepListener.Step.BEGUN, record.txnId());
        } finally {
            driver.schedule();
        }
    }

    private void refused(TxnDriver driver, CompletableFuture<Outcome> future, String message, Exception cause) {
        core.forget(driver);
        core.deliver(future, null, new TransactionException(driver.txnId, message, cause));
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
        ops.add(zk.createOp(layout.record(id), TxnCodec.record(record), CreateMode.PERSISTENT));
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
}
