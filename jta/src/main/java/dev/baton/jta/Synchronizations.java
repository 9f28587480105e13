package dev.baton.jta;

import jakarta.transaction.Synchronization;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The synchronizations of one transaction, called in the order JTA gives: {@code beforeCompletion}
 * of those registered with {@code Transaction.registerSynchronization} first, then of the
 * interposed ones ({@code TransactionSynchronizationRegistry}); {@code afterCompletion} of the
 * interposed ones first, then of the others. Within each kind, in the order of registration. A
 * synchronization registered while {@code beforeCompletion} runs is called too.
 *
 * <p>Thread-safe.
 */
final class Synchronizations {

    private static final Logger LOG = LoggerFactory.getLogger(Synchronizations.class);

    private final List<Synchronization> regular = new ArrayList<>();
    private final List<Synchronization> interposed = new ArrayList<>();

    synchronized void add(Synchronization sync, boolean isInterposed) {
        (isInterposed ? interposed : regular).add(sync);
    }

    /**
     * Calls every {@code beforeCompletion} until one throws; returns what it threw (the
     * transaction then rolls back), or null.
     */
    @Nullable RuntimeException beforeCompletion() {
        int regularDone = 0;
        int interposedDone = 0;
        while (true) {
            Synchronization next;
            synchronized (this) {
                if (regularDone < regular.size()) {
                    next = regular.get(regularDone++);
                } else if (interposedDone < interposed.size()) {
                    next = interposed.get(interposedDone++);
                } else {
                    return null;
                }
            }
            try {
                next.beforeCompletion();
            } catch (RuntimeException e) {
                return e;
            }
        }
    }

    /** Calls every {@code afterCompletion} with {@code status}; what one throws is logged and skipped. */
    void afterCompletion(int status, String txnId) {
        List<Synchronization> all;
        synchronized (this) {
            all = new ArrayList<>(interposed);
            all.addAll(regular);
        }
        for (Synchronization sync : all) {
            try {
                sync.afterCompletion(status);
            } catch (RuntimeException e) {
                LOG.warn("transaction {}: afterCompletion({}) of {} threw; the transaction's outcome stands", txnId,
                        TransactionPhase.statusName(status), sync, e);
            }
        }
    }
}
