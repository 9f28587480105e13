package dev.baton.txn.xa;

import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.internal.store.XaDecision;
import dev.baton.txn.internal.store.XaStore;
import dev.baton.txn.internal.store.ZkErrors;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes COMMIT decisions with group commit: one {@code multi} at a time is in flight, and the
 * decisions of transactions that reach their decision meanwhile go together in the next one (up
 * to {@link #BATCH}). Alone, a decision is sent at once, and waited for, on its caller's thread,
 * so a transaction waits for nothing but its own write and its reply wakes the caller directly;
 * under load many share one request, one log append and one reply, which is what ZooKeeper's
 * server and client spend most per write on.
 *
 * <p>A batch is applied whole or not at all ({@link XaStore#decideAll}), so a lost reply leaves
 * every one of its transactions to look up its own decision, as a single write would. A batch that
 * fails for any other reason than its owner's session being gone is sent again one decision per
 * {@code multi}, so that no transaction's outcome depends on another's.
 *
 * <p>Thread-safe.
 */
final class DecisionWriter {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionWriter.class);
    /** At most this many decisions per {@code multi} (a few hundred bytes each, far below jute.maxbuffer). */
    static final int BATCH = 100;

    private record Pending(XaDecision decision, CompletableFuture<XaStore.Decided> reply) {
    }

    private final XaStore store;
    private final ConcurrentLinkedDeque<Pending> queue = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean sending = new AtomicBoolean();

    DecisionWriter(XaStore store) {
        this.store = store;
    }

    /**
     * Writes {@code decision} and waits for the outcome: when no write is in flight, on the
     * calling thread ({@link XaStore#decideAllNow}: the reply wakes it directly); otherwise with
     * the others queued, in the next batch.
     *
     * @throws ExecutionException with the {@link org.apache.zookeeper.KeeperException} of a write
     *     that failed, as {@link XaStore#decideAll} completes
     * @throws TimeoutException if a queued decision's batch did not answer in {@code timeoutMillis}
     * @throws InterruptedException if interrupted while waiting: the write may have been sent
     */
    XaStore.Decided decideNow(XaDecision decision, long timeoutMillis)
            throws ExecutionException, TimeoutException, InterruptedException {
        if (queue.isEmpty() && sending.compareAndSet(false, true)) {
            try {
                return store.decideAllNow(List.of(decision));
            } catch (KeeperException e) {
                throw new ExecutionException(e);
            } catch (RuntimeException e) { // the client is closed
                throw new ExecutionException(e);
            } finally {
                sending.set(false);
                if (!queue.isEmpty()) {
                    send(); // queued while this one was in flight
                }
            }
        }
        return decide(decision).get(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Writes {@code decision}, alone or with others of the same owner, replies on ZooKeeper's
     * event thread.
     *
     * @return completes as {@link XaStore#decideAll} does
     */
    CompletableFuture<XaStore.Decided> decide(XaDecision decision) {
        Pending pending = new Pending(decision, new CompletableFuture<>());
        queue.add(pending);
        send();
        return pending.reply;
    }

    private void send() {
        if (!sending.compareAndSet(false, true)) {
            return; // the batch in flight sends what is queued when its reply comes
        }
        List<Pending> batch = next();
        if (batch.isEmpty()) {
            sending.set(false);
            if (!queue.isEmpty()) {
                send(); // queued between the poll and the reset
            }
            return;
        }
        List<XaDecision> decisions = new ArrayList<>(batch.size());
        batch.forEach(pending -> decisions.add(pending.decision));
        CompletableFuture<XaStore.Decided> written;
        try {
            written = store.decideAll(decisions);
        } catch (RuntimeException e) { // the client is closed
            written = CompletableFuture.failedFuture(e);
        }
        written.whenComplete((decided, failure) -> {
            sending.set(false);
            if (!queue.isEmpty()) {
                send();
            }
            if (failure == null) {
                batch.forEach(pending -> pending.reply.complete(decided));
            } else if (batch.size() == 1 || ZkErrors.isAmbiguous(failure) || !store.usable()) {
                batch.forEach(pending -> pending.reply.completeExceptionally(failure));
            } else {
                LOG.debug("a batch of {} XA decisions was refused ({}); writing them one by one", batch.size(),
                        TxnStore.unwrap(failure).toString());
                for (Pending pending : batch) {
                    store.decide(pending.decision).whenComplete((one, error) -> {
                        if (error == null) {
                            pending.reply.complete(one);
                        } else {
                            pending.reply.completeExceptionally(error);
                        }
                    });
                }
            }
        });
    }

    /** The queued decisions of the first one's owner, up to {@link #BATCH}, in order; the others stay queued. */
    private List<Pending> next() {
        List<Pending> batch = new ArrayList<>();
        List<Pending> others = new ArrayList<>();
        for (Pending next = queue.poll(); next != null; next = batch.size() < BATCH ? queue.poll() : null) {
            if (batch.isEmpty() || next.decision.owner().equals(batch.get(0).decision.owner())) {
                batch.add(next);
            } else {
                others.add(next);
            }
        }
        for (int i = others.size() - 1; i >= 0; i--) {
            queue.addFirst(others.get(i));
        }
        return batch;
    }
}
