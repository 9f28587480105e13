package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.ParticipantUnavailableException;
import dev.baton.txn.TransactionException;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.internal.store.ZkErrors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * Begins a transaction: checks its participants, then writes everything it needs in one
 * {@code multi}, sent once, and hands it to a {@link TxnDriver}. No thread waits on ZooKeeper here.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class TxnBegin {

    private final CoordinatorCore core;
    private final LiveParticipants live;

    public TxnBegin(CoordinatorCore core, LiveParticipants live) {
        this.core = core;
        this.live = live;
    }

    /** Begins; {@code future} gets the outcome, or the reason it could not be begun. */
    public void begin(Map<String, byte[]> branches, Duration timeout, CompletableFuture<Outcome> future) {
        CompletableFuture<Void> checked = live.check(branches.keySet());
        java.util.function.BiConsumer<Void, Throwable> then = (ok, failure) -> {
            if (failure == null) {
                write(branches, timeout, future);
                return;
            }
            Throwable cause = TxnStore.unwrap(failure);
            core.deliver(future, null, cause instanceof ParticipantUnavailableException ? cause
                    : new TransactionException("cannot check the participants in ZooKeeper; nothing was"
                            + " written: " + cause, cause));
        };
        if (checked.isDone()) {
            checked.whenComplete(then); // the liveness cache answered: no thread hop on the commit path
        } else {
            checked.whenCompleteAsync(then, core.executor()::executeOrRun);
        }
    }

    private void write(Map<String, byte[]> branches, Duration timeout, CompletableFuture<Outcome> future) {
        long now = core.clock.millis();
        TxnRecord record = new TxnRecord(TxnNames.newTxnId(now), now + timeout.toMillis(),
                new ArrayList<>(branches.keySet()), core.instanceId);
        TxnDriver driver = new TxnDriver(core, record.txnId(), future, record);
        if (core.eventsActive()) {
            driver.trustEvents(); // the watch on txn/ is in place before the begin is sent
        }
        List<Op> ops;
        try {
            ops = core.store.beginOps(record, branches, driver.beginOp());
        } catch (RuntimeException e) {
            core.deliver(future, null, new TransactionException(record.txnId(), "cannot prepare the begin; nothing"
                    + " was written: " + e, e));
            return;
        }
        core.adopt(driver);
        core.step(StepListener.Step.BEGINNING, record.txnId());
        // Sent once, never again by anyone: a resend after its reply was lost could bring back a
        // transaction that meanwhile finished and was collected (issue 10).
        core.store.begin(ops).whenComplete((written, failure) -> {
            if (failure != null) {
                Throwable cause = TxnStore.unwrap(failure);
                if (cause instanceof TxnStore.NotSentException) {
                    refused(driver, future, "ZooKeeper is unreachable (" + cause.getMessage() + "); nothing was"
                            + " written", cause);
                    return;
                }
                if (cause instanceof KeeperException && !ZkErrors.isAmbiguous((KeeperException) cause)) {
                    refused(driver, future, ((KeeperException) cause).code() == KeeperException.Code.NODEEXISTS
                            ? "id already taken; nothing was written"
                            : "ZooKeeper refused the begin; nothing was written: " + cause, cause);
                    return;
                }
                // The reply was lost: the driver finds out from ZooKeeper whether the begin took effect.
                driver.beginUncertain(cause instanceof Exception ? (Exception) cause : new Exception(cause));
            }
            core.execute(() -> {
                try {
                    core.step(StepListener.Step.BEGUN, record.txnId());
                } finally {
                    driver.schedule();
                }
            });
        });
    }

    private void refused(TxnDriver driver, CompletableFuture<Outcome> future, String message, Throwable cause) {
        core.forget(driver);
        core.deliver(future, null, new TransactionException(driver.txnId, message, cause));
    }
}
