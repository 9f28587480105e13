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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Begins a transaction: checks its participants, then writes everything it needs in one
 * {@code multi}, sent once, and hands it to a {@link TxnDriver}. No thread waits on ZooKeeper here.
 *
 * <p>A begin whose reply was lost is never sent again. Once its driver has proved that it never
 * took effect and never can (see {@code TxnDriver.resolveBegin}), the transaction is begun anew
 * under a new id for the same caller, before the caller's deadline and at most
 * {@link #MAX_ATTEMPTS} times in all: what the caller would do when told "nothing was written,
 * it is safe to try again", done for it.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class TxnBegin {

    /** Begins sent for one caller at most, the first included. */
    static final int MAX_ATTEMPTS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(TxnBegin.class);

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
                write(branches, core.clock.millis() + timeout.toMillis(), 1, future);
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

    /** Writes attempt {@code attempt} of the caller's transaction, which must be decided by {@code deadline}. */
    private void write(Map<String, byte[]> branches, long deadline, int attempt, CompletableFuture<Outcome> future) {
        long now = core.clock.millis();
        TxnRecord record = new TxnRecord(TxnNames.newTxnId(now), deadline, new ArrayList<>(branches.keySet()),
                core.instanceId);
        TxnDriver driver = new TxnDriver(core, record.txnId(), future, record);
        driver.onNotBegun(notBegun -> beginAgain(branches, deadline, attempt, future, notBegun));
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
            driver.begun(failure == null ? written : null); // the driver lease is taken from the results, with no read
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
            Runnable firstEvaluation = () -> {
                try {
                    core.step(StepListener.Step.BEGUN, record.txnId());
                } finally {
                    driver.runHere();
                }
            };
            if (ReevaluatingTask.isZooKeeperEventThread()) {
                firstEvaluation.run(); // the reply's thread, where the driver's evaluations run anyway
            } else {
                core.execute(firstEvaluation);
            }
        });
    }

    /**
     * Begins the caller's transaction again under a new id, if attempts and time are left; the
     * attempt that never took effect is over (its driver has finished).
     *
     * @return whether a new attempt now answers the caller
     */
    private boolean beginAgain(Map<String, byte[]> branches, long deadline, int attempt,
            CompletableFuture<Outcome> future, TransactionException notBegun) {
        long left = deadline - core.clock.millis();
        if (attempt >= MAX_ATTEMPTS || left <= 0 || core.isClosed() || !core.store.usable()) {
            return false;
        }
        LOG.info("transaction {} never took effect; beginning it again as a new transaction ({} ms left, attempt {}"
                + " of {})", notBegun.txnId().orElse("?"), left, attempt + 1, MAX_ATTEMPTS);
        // In place, not queued: nothing here blocks, and a queued task would be dropped by a close.
        write(branches, deadline, attempt + 1, future);
        return true;
    }

    private void refused(TxnDriver driver, CompletableFuture<Outcome> future, String message, Throwable cause) {
        core.forget(driver);
        core.deliver(future, null, new TransactionException(driver.txnId, message, cause));
    }
}
