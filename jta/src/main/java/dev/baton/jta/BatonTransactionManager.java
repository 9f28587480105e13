package dev.baton.jta;

import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.InvalidTransactionException;
import jakarta.transaction.NotSupportedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.SystemException;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.time.Clock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The thread association of JTA transactions, as one object that is the {@link TransactionManager},
 * the {@link UserTransaction} and the {@link TransactionSynchronizationRegistry} (so that Spring's
 * {@code JtaTransactionManager}, given the first two, finds the registry by itself).
 *
 * <p>Each thread has at most one transaction; {@link #begin()} with one already open is refused
 * ({@link NotSupportedException}: no nesting). {@link #commit()} and {@link #rollback()} end the
 * association whatever happens. A transaction completed through its {@link Transaction} object by
 * another thread stays associated with its thread, reporting its final status, until that thread
 * begins another, suspends it or completes it (which then throws {@link IllegalStateException}).
 * A transaction is associated with one thread at a time: {@link #resume} of a transaction another
 * thread has is refused.
 *
 * <p>Thread-safe.
 */
final class BatonTransactionManager implements TransactionManager, UserTransaction, TransactionSynchronizationRegistry {

    private final XaTransactions xa;
    private final ResourceMatcher matcher;
    private final Clock clock;
    private final ThreadLocal<@Nullable JtaTransaction> current = new ThreadLocal<>();
    private final ThreadLocal<@Nullable Duration> timeout = new ThreadLocal<>();

    BatonTransactionManager(XaTransactions xa, ResourceMatcher matcher, Clock clock) {
        this.xa = xa;
        this.matcher = matcher;
        this.clock = clock;
    }

    ResourceMatcher matcher() {
        return matcher;
    }

    /** The calling thread's transaction unless it is over; the {@code DataSource} hands out its connections. */
    @Nullable JtaTransaction currentOpen() {
        JtaTransaction transaction = current.get();
        return transaction != null && !transaction.phase().isTerminal() ? transaction : null;
    }

    /**
     * @throws NotSupportedException if this thread already has an open transaction
     * @throws SystemException if no transaction can be begun (closed)
     */
    @Override
    public void begin() throws NotSupportedException, SystemException {
        JtaTransaction open = currentOpen();
        if (open != null) {
            throw new NotSupportedException("thread " + Thread.currentThread().getName() + " already has transaction "
                    + open.id() + "; transactions do not nest: commit, roll back or suspend it first");
        }
        Duration wanted = timeout.get();
        XaTransaction begun;
        try {
            begun = wanted == null ? xa.begin() : xa.begin(wanted);
        } catch (RuntimeException e) {
            SystemException failure = new SystemException("cannot begin a transaction: " + e.getMessage());
            failure.initCause(e);
            throw failure;
        }
        current.set(new JtaTransaction(this, begun, clock, Thread.currentThread()));
    }

    @Override
    public void commit() throws RollbackException, HeuristicMixedException, HeuristicRollbackException,
            SystemException {
        JtaTransaction transaction = required("commit");
        try {
            transaction.commit();
        } finally {
            disassociate(transaction);
        }
    }

    @Override
    public void rollback() throws SystemException {
        JtaTransaction transaction = required("roll back");
        try {
            transaction.rollback();
        } finally {
            disassociate(transaction);
        }
    }

    /** @throws IllegalStateException if this thread has no transaction, or it is committing or over */
    @Override
    public void setRollbackOnly() {
        required("mark rollback-only").setRollbackOnly();
    }

    @Override
    public int getStatus() {
        JtaTransaction transaction = current.get();
        return transaction == null ? Status.STATUS_NO_TRANSACTION : transaction.getStatus();
    }

    @Override
    public @Nullable Transaction getTransaction() {
        return current.get();
    }

    /**
     * The timeout of the transactions this thread begins from now on; 0 restores the default
     * ({@code BatonJta.Builder.defaultTimeout}). A transaction past its timeout is marked
     * rollback-only: its commit rolls it back and its connections refuse new work.
     *
     * @throws SystemException if {@code seconds} is negative
     */
    @Override
    public void setTransactionTimeout(int seconds) throws SystemException {
        if (seconds < 0) {
            throw new SystemException("the transaction timeout must not be negative: " + seconds + " s");
        }
        if (seconds == 0) {
            timeout.remove();
        } else {
            timeout.set(Duration.ofSeconds(seconds));
        }
    }

    @Override
    public @Nullable Transaction suspend() {
        JtaTransaction transaction = current.get();
        if (transaction == null) {
            return null;
        }
        disassociate(transaction);
        return transaction.phase().isTerminal() ? null : transaction;
    }

    /**
     * @throws InvalidTransactionException if {@code tobj} is not an open transaction of this manager
     * @throws IllegalStateException if this thread has an open transaction, or another thread has {@code tobj}
     */
    @Override
    public void resume(@Nullable Transaction tobj) throws InvalidTransactionException {
        if (!(tobj instanceof JtaTransaction) || ((JtaTransaction) tobj).manager() != this) {
            throw new InvalidTransactionException(tobj + " is not a transaction of this transaction manager");
        }
        JtaTransaction open = currentOpen();
        if (open != null && open != tobj) {
            throw new IllegalStateException("thread " + Thread.currentThread().getName() + " has transaction "
                    + open.id() + "; suspend or complete it before resuming another");
        }
        JtaTransaction transaction = (JtaTransaction) tobj;
        transaction.attach(Thread.currentThread());
        current.set(transaction);
    }

    @Override
    public @Nullable Object getTransactionKey() {
        JtaTransaction transaction = current.get();
        return transaction == null ? null : transaction.id();
    }

    @Override
    public void putResource(Object key, @Nullable Object value) {
        required("hold a resource").putResource(key, value);
    }

    @Override
    public @Nullable Object getResource(Object key) {
        return required("hold a resource").getResource(key);
    }

    @Override
    public void registerInterposedSynchronization(Synchronization sync) {
        required("register a synchronization").registerInterposedSynchronization(sync);
    }

    @Override
    public int getTransactionStatus() {
        return getStatus();
    }

    @Override
    public boolean getRollbackOnly() {
        JtaTransaction transaction = required("be asked whether it is rollback-only");
        int status = transaction.getStatus();
        return status == Status.STATUS_MARKED_ROLLBACK || status == Status.STATUS_ROLLING_BACK
                || status == Status.STATUS_ROLLEDBACK;
    }

    private JtaTransaction required(String action) {
        JtaTransaction transaction = current.get();
        if (transaction == null) {
            throw new IllegalStateException("thread " + Thread.currentThread().getName() + " has no transaction to "
                    + action);
        }
        return transaction;
    }

    private void disassociate(JtaTransaction transaction) {
        if (current.get() == transaction) {
            current.remove();
        }
        transaction.detach(Thread.currentThread());
    }

    @Override
    public String toString() {
        return "BatonJta transaction manager " + xa.resources();
    }
}
