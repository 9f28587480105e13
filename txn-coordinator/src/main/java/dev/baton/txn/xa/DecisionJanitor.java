package dev.baton.txn.xa;

import dev.baton.txn.internal.store.TxnStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the decisions of finished transactions, off every caller's path and many at a time: a
 * transaction whose branches are all committed is queued, and one {@code multi} at a time deletes
 * everything queued (up to {@link #BATCH}). While one is in flight the queue grows, so the batch
 * size follows the load with no timer and no added latency when idle (group commit).
 *
 * <p>A decision left behind (this process died before deleting it) is harmless: recovery deletes
 * it once its owner's session is gone and no branch of it is prepared any more.
 *
 * <p>Thread-safe.
 */
final class DecisionJanitor {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionJanitor.class);
    static final int BATCH = 500;
    private static final long RETRY_MILLIS = 1000;

    private final XaCore core;
    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();

    DecisionJanitor(XaCore core) {
        this.core = core;
    }

    /** Queues the decision of {@code txnId}, every branch of which is committed, for deletion. */
    void forget(String txnId) {
        queue.add(txnId);
        send();
    }

    private void send() {
        if (!sending.compareAndSet(false, true)) {
            return; // the batch in flight sends what is queued when it completes
        }
        List<String> batch = new ArrayList<>();
        for (String next = queue.poll(); next != null; next = batch.size() < BATCH ? queue.poll() : null) {
            batch.add(next);
        }
        if (batch.isEmpty()) {
            sending.set(false);
            if (!queue.isEmpty()) {
                send(); // queued between the poll and the reset
            }
            return;
        }
        if (!core.store.usable()) {
            queue.addAll(batch);
            sending.set(false);
            return;
        }
        core.store.forget(batch).whenComplete((deleted, failure) -> {
            if (failure != null) {
                LOG.debug("could not delete {} XA decisions; trying again", batch.size(), TxnStore.unwrap(failure));
                queue.addAll(batch);
                sending.set(false);
                core.executor.schedule(this::send, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            sending.set(false);
            if (!queue.isEmpty()) {
                send();
            }
        });
    }

    /** Waits up to {@code wait} for the queue to empty (on close); what is left, recovery deletes. */
    void drain(Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        while ((!queue.isEmpty() || sending.get()) && System.nanoTime() - deadline < 0 && core.store.usable()) {
            send();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
