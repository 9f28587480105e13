package dev.baton.txn.xa;

import dev.baton.txn.internal.store.TxnStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the decisions of finished transactions, off every caller's path and many at a time: a
 * transaction whose branches are all committed is queued, and a {@code multi} deletes everything
 * queued (up to {@link #BATCH}) once the first of them has waited {@link #LINGER_MILLIS}, or at
 * once when {@link #BATCH} are queued; one is in flight at a time. Nobody waits for a deletion, so
 * the delay costs nothing, and it turns a write per transaction (each a log append and an fsync on
 * every ZooKeeper server, competing with the next transactions' decisions) into one per batch.
 *
 * <p>A decision left behind (this process died before deleting it) is harmless: recovery deletes
 * it once its owner's session is gone and no branch of it is prepared any more.
 *
 * <p>Thread-safe.
 */
final class DecisionJanitor {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionJanitor.class);
    static final int BATCH = 500;
    /** How long the first decision queued waits for others to join its deletion. */
    static final long LINGER_MILLIS = 50;
    private static final long RETRY_MILLIS = 1000;

    private final XaCore core;
    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final AtomicBoolean lingering = new AtomicBoolean();
    private final AtomicInteger queued = new AtomicInteger();
    /** Decisions queued or in the deletion in flight: forgetting one of them again sends nothing. */
    private final java.util.Set<String> queuedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();

    DecisionJanitor(XaCore core) {
        this.core = core;
    }

    /** Queues the decision of {@code txnId}, every branch of which is committed, for deletion. */
    void forget(String txnId) {
        if (!queuedIds.add(txnId)) {
            return; // queued or being deleted already (by the commit and by a recovery scan): one delete is enough
        }
        queue.add(txnId);
        if (queued.incrementAndGet() >= BATCH) {
            send();
        } else if (lingering.compareAndSet(false, true)
                && core.executor.schedule(this::lingered, LINGER_MILLIS, TimeUnit.MILLISECONDS) == null) {
            lingered(); // shut down: send now (a decision left behind is recovery's)
        }
    }

    private void lingered() {
        lingering.set(false);
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
        queued.addAndGet(-batch.size());
        if (batch.isEmpty()) {
            sending.set(false);
            if (!queue.isEmpty()) {
                send(); // queued between the poll and the reset
            }
            return;
        }
        if (!core.store.usable()) {
            requeue(batch);
            sending.set(false);
            return;
        }
        core.store.forget(batch).whenComplete((deleted, failure) -> {
            if (failure != null) {
                LOG.debug("could not delete {} XA decisions; trying again", batch.size(), TxnStore.unwrap(failure));
                requeue(batch);
                sending.set(false);
                core.executor.schedule(this::send, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                return;
            }
            queuedIds.removeAll(batch);
            sending.set(false);
            if (!queue.isEmpty() && !lingering.get()) {
                send(); // their timer went off while this batch was in flight
            }
        });
    }

    private void requeue(List<String> batch) {
        queue.addAll(batch);
        queued.addAndGet(batch.size());
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
