package dev.baton.jta;

import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * A bank on two databases, as an application writes it with Spring: {@code @Transactional} methods
 * and {@code JdbcTemplate}s on the two {@link BatonJta} data sources, nothing Baton-specific but
 * the transaction id it records each transfer under (the registry's transaction key).
 */
public class TransferService {

    /** Told of each transfer's transaction, for the tests that follow them. */
    public interface Listener {
        Listener NONE = new Listener() { };

        /** The transfer's work starts in transaction {@code txnId}. */
        default void begun(String txnId) {
        }

        /** Its work is done and its commit starts ({@code beforeCompletion}). */
        default void committing(String txnId) {
        }
    }

    /** A transfer that would leave an account negative; it rolls the transaction back. */
    public static final class InsufficientFundsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InsufficientFundsException(String bank, int account) {
            super("insufficient funds in account " + account + " of " + bank);
        }
    }

    private final JdbcTemplate bankA;
    private final JdbcTemplate bankB;
    private final TransactionSynchronizationRegistry registry;
    private final Listener listener;

    public TransferService(DataSource bankA, DataSource bankB, TransactionSynchronizationRegistry registry,
            Listener listener) {
        this.bankA = new JdbcTemplate(bankA);
        this.bankB = new JdbcTemplate(bankB);
        this.registry = registry;
        this.listener = listener;
    }

    /**
     * Moves {@code amount} from {@code accountA} of bank_a to {@code accountB} of bank_b (a negative
     * amount moves it the other way) and returns the transaction's id.
     */
    @Transactional
    public String transfer(int accountA, int accountB, long amount) {
        String txnId = (String) registry.getTransactionKey();
        listener.begun(txnId);
        registry.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
                listener.committing(txnId);
            }

            @Override
            public void afterCompletion(int status) {
                // the caller learns the outcome from commit()
            }
        });
        apply(bankA, "bank_a", txnId, accountA, -amount);
        apply(bankB, "bank_b", txnId, accountB, amount);
        return txnId;
    }

    /** Does both updates of a transfer, then fails. */
    @Transactional
    public String transferThenFail(int accountA, int accountB, long amount) {
        String txnId = transfer(accountA, accountB, amount);
        throw new IllegalStateException("failed after both updates of " + txnId);
    }

    /** Notes {@code text} in bank_a's audit table in a transaction of its own, committed whatever the caller's does. */
    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public String audit(String text) {
        bankA.update("INSERT INTO audit (note) VALUES (?)", text);
        return (String) registry.getTransactionKey();
    }

    /** Whether the calling thread's transaction is active (for tests of propagation). */
    public boolean inActiveTransaction() {
        return registry.getTransactionStatus() == Status.STATUS_ACTIVE;
    }

    private static void apply(JdbcTemplate bank, String name, String txnId, int account, long delta) {
        bank.execute("SET LOCAL lock_timeout = '2s'");
        if (bank.update("UPDATE accounts SET balance = balance + ? WHERE id = ? AND balance + ? >= 0", delta, account,
                delta) == 0) {
            throw new InsufficientFundsException(name, account);
        }
        bank.update("INSERT INTO transfers (txn_id, account, delta) VALUES (?, ?, ?)", txnId, account, delta);
    }
}
