package dev.baton.jta;

import dev.baton.txn.Outcome;
import dev.baton.txn.xa.XaTransaction;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.jspecify.annotations.Nullable;

/**
 * A JTA transaction over one {@link XaTransaction}: the phase ({@link TransactionPhase}), the
 * rollback-only mark and the timeout, the synchronizations, the resources of the
 * {@code TransactionSynchronizationRegistry}, and the thread it is associated with.
 *
 * <p>Thread-safe: every call into the {@code XaTransaction} (which is not) holds {@link #lock}, and
 * the status is read without it, so {@code getStatus()} answers at once also while a commit runs.
 * Suspending a transaction does not end its branches (JTA leaves that to the transaction manager,
 * and PostgreSQL's driver refuses {@code TMSUSPEND}): its connections stay its own, and the thread
 * it is resumed on carries on with them.
 */
final class JtaTransaction implements Transaction {

    private final BatonTransactionManager manager;
    private final XaTransaction xa;
    private final Clock clock;
    private final Object lock = new Object();
    private final Synchronizations syncs = new Synchronizations();
    private final Map<Object, @Nullable Object> resources = new HashMap<>();
    /** XA resources enlisted from outside, and the registered resource each belongs to. */
    private final Map<XAResource, String> foreign = new IdentityHashMap<>();
    private volatile TransactionPhase phase = TransactionPhase.ACTIVE;
    private volatile @Nullable String rollbackReason;
    private volatile @Nullable Throwable rollbackCause;
    private volatile @Nullable Thread thread;

    JtaTransaction(BatonTransactionManager manager, XaTransaction xa, Clock clock, Thread thread) {
        this.manager = manager;
        this.xa = xa;
        this.clock = clock;
        this.thread = thread;
    }

    String id() {
        return xa.id();
    }

    BatonTransactionManager manager() {
        return manager;
    }

    TransactionPhase phase() {
        return phase;
    }

    /**
     * Commits: {@code beforeCompletion} of every synchronization (unless rollback-only), then
     * {@code XaTransaction.commit()}, then {@code afterCompletion} with the final status.
     *
     * @throws RollbackException if it was rolled back instead: rollback-only, timed out, a
     *     {@code beforeCompletion} threw (the cause), or a resource refused to prepare (the reason)
     * @throws HeuristicMixedException if a resource ended its branch against the COMMIT decision
     * @throws HeuristicRollbackException if every resource rolled its branch back on its own
     * @throws SystemException if the outcome is not known here ({@link CommitFailures#unknown})
     * @throws IllegalStateException if it is not active (completing or completed)
     */
    @Override
    public void commit() throws RollbackException, HeuristicMixedException, HeuristicRollbackException,
            SystemException {
        move(TransactionPhase.ACTIVE, TransactionPhase.BEFORE_COMPLETION, "committed");
        if (rollbackReason() == null) {
            RuntimeException failed = syncs.beforeCompletion();
            if (failed != null) {
                markRollbackOnly("a synchronization's beforeCompletion threw " + failed, failed);
            }
        }
        String reason = rollbackReason();
        if (reason != null) {
            move(TransactionPhase.BEFORE_COMPLETION, TransactionPhase.ROLLING_BACK, "rolled back");
            rollBackBranches();
            RollbackException rolledBack = new RollbackException("transaction " + id() + " rolled back: " + reason);
            Throwable cause = rollbackCause;
            if (cause != null) {
                rolledBack.initCause(cause);
            }
            throw rolledBack;
        }
        Outcome outcome;
        try {
            synchronized (lock) {
                move(TransactionPhase.BEFORE_COMPLETION, TransactionPhase.PREPARING, "committed");
                outcome = xa.commit();
            }
        } catch (RuntimeException e) { // OutcomeUnknownException, or anything unforeseen after the prepares
            end(TransactionPhase.UNKNOWN);
            throw CommitFailures.unknown(id(), xa.resources().size() == 1, e);
        }
        Exception failure = CommitFailures.of(outcome);
        end(CommitFailures.phase(outcome, failure));
        if (failure instanceof RollbackException) {
            throw (RollbackException) failure;
        } else if (failure instanceof HeuristicMixedException) {
            throw (HeuristicMixedException) failure;
        } else if (failure instanceof HeuristicRollbackException) {
            throw (HeuristicRollbackException) failure;
        }
    }

    /**
     * Rolls back every branch; {@code afterCompletion} follows with {@code STATUS_ROLLEDBACK}.
     *
     * @throws IllegalStateException if it is not active
     * @throws SystemException if a resource failed unexpectedly (recovery rolls back what it left prepared)
     */
    @Override
    public void rollback() throws SystemException {
        move(TransactionPhase.ACTIVE, TransactionPhase.ROLLING_BACK, "rolled back");
        RuntimeException failed = rollBackBranches();
        if (failed != null) {
            throw systemException("transaction " + id() + ": the rollback failed (" + failed + "); it is rolled back"
                    + " all the same: no decision exists, and recovery rolls back any branch left prepared", failed);
        }
    }

    private @Nullable RuntimeException rollBackBranches() {
        RuntimeException failed = null;
        try {
            synchronized (lock) {
                xa.rollback();
            }
        } catch (RuntimeException e) {
            failed = e;
        }
        end(TransactionPhase.ROLLED_BACK);
        return failed;
    }

    private void end(TransactionPhase ending) {
        TransactionPhase from = phase;
        if (!from.canMoveTo(ending)) {
            throw new IllegalStateException("transaction " + id() + " cannot move from " + from + " to " + ending);
        }
        phase = ending;
        syncs.afterCompletion(ending.status(false), id());
    }

    private void move(TransactionPhase from, TransactionPhase to, String verb) {
        synchronized (lock) {
            TransactionPhase now = phase;
            if (now != from) {
                throw new IllegalStateException("transaction " + id() + " cannot be " + verb + ": it is "
                        + (now == TransactionPhase.BEFORE_COMPLETION ? "completing (beforeCompletion runs)" : now));
            }
            phase = to;
        }
    }

    /**
     * Marks the transaction so that its commit rolls back.
     *
     * @throws IllegalStateException if it is committing or completed
     */
    @Override
    public void setRollbackOnly() {
        if (phase == TransactionPhase.ROLLING_BACK) {
            return;
        }
        checkAcceptsWork("be marked rollback-only");
        markRollbackOnly("setRollbackOnly() was called",
                new IllegalStateException("setRollbackOnly() was called here, on thread " + Thread.currentThread().getName()));
    }

    void markRollbackOnly(String reason, @Nullable Throwable cause) {
        synchronized (lock) {
            if (rollbackReason == null) {
                rollbackCause = cause;
                rollbackReason = reason;
            }
        }
    }

    /** Why it can only roll back: marked rollback-only, or past its timeout; null if neither. */
    @Nullable String rollbackReason() {
        String reason = rollbackReason;
        if (reason == null && clock.millis() > xa.deadline().toEpochMilli()) {
            return "it timed out (deadline " + xa.deadline() + ")";
        }
        return reason;
    }

    @Override
    public int getStatus() {
        TransactionPhase now = phase;
        return now.status(now.acceptsWork() && rollbackReason() != null);
    }

    /**
     * Enlists an XA resource of the caller's: it must belong to a registered resource
     * ({@link ResourceMatcher}), and that resource must not have a branch through another XA
     * resource in this transaction (Baton runs one branch per resource and transaction).
     *
     * @throws RollbackException if the transaction is marked rollback-only
     * @throws IllegalStateException if it is completing or completed
     * @throws SystemException if the resource is not registered, already has another branch, or
     *     refused to start the branch
     */
    @Override
    public boolean enlistResource(XAResource xaRes) throws RollbackException, SystemException {
        Objects.requireNonNull(xaRes, "xaRes");
        synchronized (lock) {
            checkAcceptsWork("enlist a resource");
            String reason = rollbackReason();
            if (reason != null) {
                throw new RollbackException("transaction " + id() + " is marked rollback-only (" + reason + "): no"
                        + " resource can be enlisted");
            }
            String name = foreign.get(xaRes);
            if (name == null) {
                name = manager.matcher().nameOf(xaRes);
            }
            try {
                xa.enlist(name, xaRes);
            } catch (IllegalStateException e) {
                throw systemException("cannot enlist " + xaRes + " as resource '" + name + "': " + e.getMessage()
                        + "; Baton runs one branch per resource and transaction and does not join a second XA"
                        + " resource to it: take the resource's connections from BatonJta.dataSource(\"" + name
                        + "\")", e);
            } catch (XAException e) {
                throw systemException("resource '" + name + "' refused to start the branch of transaction " + id()
                        + ": XA error " + e.errorCode + (e.getMessage() != null ? " (" + e.getMessage() + ")" : ""), e);
            }
            foreign.put(xaRes, name);
            return true;
        }
    }

    /**
     * Ends the work of an enlisted XA resource: {@code TMSUCCESS}, {@code TMFAIL} (the
     * transaction is then rollback-only) or {@code TMSUSPEND}. False if {@code xaRes} was not enlisted.
     *
     * @throws IllegalStateException if the transaction is completing or completed, or the branch is not active
     * @throws SystemException if the resource refused
     */
    @Override
    public boolean delistResource(XAResource xaRes, int flag) throws SystemException {
        Objects.requireNonNull(xaRes, "xaRes");
        synchronized (lock) {
            checkAcceptsWork("delist a resource");
            String name = foreign.get(xaRes);
            if (name == null) {
                return false;
            }
            try {
                xa.delist(name, flag);
            } catch (XAException e) {
                throw systemException("resource '" + name + "' refused to end the branch of transaction " + id()
                        + ": XA error " + e.errorCode + (e.getMessage() != null ? " (" + e.getMessage() + ")" : ""), e);
            }
            if (flag == XAResource.TMFAIL) {
                markRollbackOnly("resource '" + name + "' was delisted with TMFAIL", null);
            }
            return true;
        }
    }

    /**
     * @throws RollbackException if the transaction is marked rollback-only
     * @throws IllegalStateException if it is committing or completed
     */
    @Override
    public void registerSynchronization(Synchronization sync) throws RollbackException {
        Objects.requireNonNull(sync, "sync");
        synchronized (lock) {
            checkAcceptsWork("register a synchronization");
            String reason = rollbackReason();
            if (reason != null) {
                throw new RollbackException("transaction " + id() + " is marked rollback-only (" + reason + "): no"
                        + " synchronization can be registered");
            }
            syncs.add(sync, false);
        }
    }

    /** For the registry: accepted also when rollback-only (its {@code afterCompletion} then says ROLLEDBACK). */
    void registerInterposedSynchronization(Synchronization sync) {
        Objects.requireNonNull(sync, "sync");
        synchronized (lock) {
            checkAcceptsWork("register a synchronization");
            syncs.add(sync, true);
        }
    }

    /**
     * This transaction's connection to {@code resource} (its one branch there), wrapped so that
     * closing it does not end the branch and local transaction control is refused.
     */
    Connection connection(String resource) throws SQLException {
        synchronized (lock) {
            TransactionPhase now = phase;
            if (!now.acceptsWork()) {
                throw new SQLException("transaction " + id() + " is " + now + ": no connection is handed out for it any"
                        + " more", EnlistedConnection.INVALID_TRANSACTION_STATE);
            }
            String reason = rollbackReason();
            if (reason != null) {
                throw new SQLException("transaction " + id() + " is marked rollback-only (" + reason + "): its work"
                        + " can only be rolled back, so no connection is handed out for it",
                        EnlistedConnection.INVALID_TRANSACTION_STATE);
            }
            Connection raw;
            try {
                raw = xa.connection(resource);
            } catch (IllegalStateException e) {
                throw new SQLException("resource '" + resource + "' in transaction " + id() + ": " + e.getMessage(),
                        EnlistedConnection.INVALID_TRANSACTION_STATE, e);
            }
            return EnlistedConnection.wrap(raw, this, resource);
        }
    }

    void putResource(Object key, @Nullable Object value) {
        Objects.requireNonNull(key, "key");
        synchronized (resources) {
            resources.put(key, value);
        }
    }

    @Nullable Object getResource(Object key) {
        Objects.requireNonNull(key, "key");
        synchronized (resources) {
            return resources.get(key);
        }
    }

    /**
     * Associates the transaction with {@code to} (begin, resume).
     *
     * @throws InvalidTransactionException if it is completed
     * @throws IllegalStateException if another thread has it
     */
    void attach(Thread to) throws InvalidTransactionException {
        synchronized (lock) {
            if (phase.isTerminal()) {
                throw new InvalidTransactionException("transaction " + id() + " is " + phase + ": it cannot be resumed");
            }
            Thread holder = thread;
            if (holder != null && holder != to) {
                throw new IllegalStateException("transaction " + id() + " is associated with thread " + holder.getName()
                        + "; suspend it there first (a transaction's connections are used by one thread at a time)");
            }
            thread = to;
        }
    }

    /** Ends the association with {@code from}, if it has it (suspend, and the end of a commit or rollback). */
    void detach(Thread from) {
        synchronized (lock) {
            if (thread == from) {
                thread = null;
            }
        }
    }

    private void checkAcceptsWork(String action) {
        TransactionPhase now = phase;
        if (!now.acceptsWork()) {
            throw new IllegalStateException("transaction " + id() + " is " + now + ": cannot " + action);
        }
    }

    private static SystemException systemException(String message, Throwable cause) {
        SystemException failure = new SystemException(message);
        failure.initCause(cause);
        return failure;
    }

    @Override
    public String toString() {
        return "BatonJta transaction " + id() + " " + TransactionPhase.statusName(getStatus());
    }
}
