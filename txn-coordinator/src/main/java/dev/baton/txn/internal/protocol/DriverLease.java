package dev.baton.txn.internal.protocol;

import dev.baton.lock.Lease;
import dev.baton.lock.LockException;
import dev.baton.lock.spi.LossSignal;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.lock.zookeeper.ext.LeaseRequest;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.internal.store.ZkErrors;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver role of one transaction, held through the lock API: a {@link Lease} on the lock whose
 * queue is the record {@code txn/<id>} itself (the lock ignores its other children, which are not
 * queue nodes). The instance that begins a transaction queues its lease node in
 * the begin {@code multi} (so holding the role costs no write) and deletes it in the collect
 * {@code multi}. Other instances only watch the queue; when it empties while the transaction is
 * unfinished (the driver's session ended, or it gave the role up), they race for the lock with a
 * one-shot {@code tryAcquire}, and the winner drives from whatever the znodes show. The fencing
 * token is the lease node's {@code czxid}.
 *
 * <p>When the lease is lost (connection suspended, session expired, node deleted), {@link #holds()}
 * turns false at once and the transaction's driver is told, so it stops acting; every write the
 * driver makes is preceded by that check. Safety does not rest on it: the decision is one atomic
 * create, so two drivers can only agree.
 *
 * <p>Thread safety: used under the {@link TxnDriver}'s lock; {@link #close()} may come from any thread.
 */
public final class DriverLease {

    private static final Logger LOG = LoggerFactory.getLogger(DriverLease.class);

    private final CallerQueues locks;
    private final String txnId;
    private final String queue;
    private final Runnable onLost;
    /** The lease queued by this instance's begin, until adopted (by a claim, or by close). */
    private final AtomicReference<@Nullable LeaseRequest> request = new AtomicReference<>();
    private volatile @Nullable Lease lease;
    /** The lease was won by a takeover, not adopted from this instance's begin. */
    private volatile boolean tookOver;
    /**
     * The begin's results once it took effect, null if it failed or its reply was lost: the lease
     * is adopted from the results with no read. The adoption waits for the reply, since the
     * coordinator's watch may tell of the begin's nodes (and start an evaluation) before it.
     */
    private final CompletableFuture<@Nullable List<OpResult>> begun = new CompletableFuture<>();
    /**
     * The lease's node, when the coordinator's watch on {@code txn/} is what tells of its deletion
     * (instead of a watch of the lease's own, which would cost a read per transaction).
     */
    private volatile @Nullable String nodeWatchedByEvents;
    /** A lease node the watch saw deleted before its lease was taken (the two can cross). */
    private volatile @Nullable String deletedEarly;
    /** The collect's {@code multi} deletes the lease's node: its deletion is the release. */
    private volatile boolean releasing;
    /** Closed: a lease whose adoption completes now is given up at once. */
    private volatile boolean closed;

    public DriverLease(CallerQueues locks, String txnId, String queue, Runnable onLost) {
        this.locks = locks;
        this.txnId = txnId;
        this.queue = queue;
        this.onLost = onLost;
    }

    /** The operation that queues this instance's lease node, for the begin {@code multi}. */
    public Op beginOp() {
        LeaseRequest queued = locks.leaseRequest(queue);
        request.set(queued);
        return queued.createOp().get();
    }

    /**
     * The begin was answered: with its results if it took effect (the adoption then sends no
     * read), null otherwise (it reads, if it adopts at all).
     */
    public void begun(@Nullable List<OpResult> results) {
        begun.complete(results);
    }

    /** Whether this instance holds the role, or queued the lease its begin is adopting. */
    public boolean mine() {
        return holds() || request.get() != null;
    }

    /** Whether the role was won by a takeover (this instance did not begin the transaction, or lost its lease). */
    public boolean tookOver() {
        return tookOver;
    }

    /** Whether this instance holds the role now. */
    public boolean holds() {
        Lease current = lease;
        return current != null && current.isValid();
    }

    /** The lease's fencing token, or -1 if the role is not held. */
    public long token() {
        Lease current = lease;
        try {
            return current == null ? -1 : current.fencingToken();
        } catch (IllegalStateException e) {
            return -1;
        }
    }

    /** What a claim found. */
    public enum Claim {
        /** This instance holds the role. */
        DRIVING,
        /** Another instance holds it (the queue is watched, to take over when it empties). */
        FOLLOWING,
        /** The queue (the record) is gone: the transaction was collected. */
        MISSING
    }

    /**
     * Whether this instance drives the transaction, taking the role if it began the transaction or
     * if nobody holds it; watches the queue (with {@code watcher}) while someone else does. The
     * adoption of the begin's lease node (once per transaction) is asynchronous; a takeover's
     * one-shot {@code tryAcquire} blocks, so it runs on {@code executor} (only when a driver left),
     * after a read of the record (the queue), which must be of this protocol's format.
     *
     * @param eventsTrusted whether the coordinator's watch on {@code txn/} has seen every event
     *     since the begin: then the adopted lease's node needs no watch of its own, and the driver
     *     tells of its deletion ({@link #nodeDeleted}), until it calls {@link #eventsMissed}
     * @throws CorruptNodeException (in the future) if the queue cannot hold a lease, or the record
     *     is damaged or of another build's format
     */
    public CompletableFuture<Claim> claim(TxnStore store, Watcher watcher, Executor executor,
            BooleanSupplier eventsTrusted) {
        if (holds()) {
            return CompletableFuture.completedFuture(Claim.DRIVING);
        }
        CompletableFuture<Void> adopted = adoptBegun(eventsTrusted);
        return adopted.thenCompose(done -> holds() ? CompletableFuture.completedFuture(Claim.DRIVING)
                : store.queue(txnId, watcher).thenComposeAsync(children -> {
                    if (children == null) {
                        return CompletableFuture.completedFuture(Claim.MISSING);
                    }
                    if (children.stream().anyMatch(CallerQueues::isQueueNode)) {
                        return CompletableFuture.completedFuture(Claim.FOLLOWING);
                    }
                    // The queue is the record: before a lease node goes under it, it must be a
                    // record of this layout (a damaged one, or another build's, fails the read).
                    return store.record(txnId).thenApplyAsync(record -> record == null ? Claim.MISSING : takeOver(),
                            executor);
                }, executor));
    }

    /** The queue is empty: race the other instances for it with a one-shot attempt. Blocking. */
    private Claim takeOver() {
        Optional<Lease> won;
        try {
            won = locks.lockAt(queue).tryAcquire(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
        } catch (LockException e) {
            if (e.getCause() instanceof KeeperException.NoNodeException) {
                return Claim.MISSING;
            }
            if (e.getCause() instanceof KeeperException && !ZkErrors.isAmbiguous((KeeperException) e.getCause())) {
                throw new CompletionException(new CorruptNodeException("transaction " + txnId + ": its driver node "
                        + queue + " cannot hold a lease: " + e.getCause()));
            }
            throw e;
        }
        won.ifPresent(l -> {
            tookOver = true;
            take(l, "took over", null, () -> false);
        });
        return holds() ? Claim.DRIVING : Claim.FOLLOWING;
    }

    /**
     * Takes the lease node this instance's begin queued, if any, with no thread waiting, once the
     * begin is answered: from its results (no read), or with two reads when its reply was lost.
     */
    private CompletableFuture<Void> adoptBegun(BooleanSupplier eventsTrusted) {
        LeaseRequest queued = request.getAndSet(null);
        if (queued == null) {
            return CompletableFuture.completedFuture(null);
        }
        return begun.thenCompose(results -> adopt(queued, results, eventsTrusted));
    }

    private CompletableFuture<Void> adopt(LeaseRequest queued, @Nullable List<OpResult> results,
            BooleanSupplier eventsTrusted) {
        String node = results == null ? null : createdNode(results);
        CompletableFuture<Optional<Lease>> adoption;
        try {
            adoption = results == null ? queued.adoptAsync() : queued.adoptAsync(results);
        } catch (RuntimeException e) {
            adoption = CompletableFuture.failedFuture(e);
        }
        return adoption.handle((won, failure) -> {
            if (failure != null) {
                LOG.debug("transaction {}: could not take the lease queued at begin; competing for it instead", txnId,
                        failure);
            } else if (won.isPresent()) {
                take(won.get(), "began", node, eventsTrusted);
                if (closed) {
                    // close() came while the adoption waited for the begin's reply: give it up,
                    // off ZooKeeper's event thread (release() may wait for the delete's reply).
                    CompletableFuture.runAsync(won.get()::release);
                }
            }
            return null;
        });
    }

    /** The path of the lease node the begin created, from its results; null if they do not show one. */
    private @Nullable String createdNode(List<OpResult> results) {
        String prefix = queue + "/";
        for (OpResult result : results) {
            if (result instanceof OpResult.CreateResult) {
                String path = ((OpResult.CreateResult) result).getPath();
                if (path != null && path.startsWith(prefix) && CallerQueues.isQueueNode(path.substring(prefix.length()))) {
                    return path;
                }
            }
        }
        return null;
    }

    /**
     * @param node the lease's node, if known: while {@code eventsTrusted}, the coordinator's watch
     *     tells of its deletion and the lease listens only to what its client sees anyway
     *     (connection, session) with no watch of its own; otherwise, or for null, the lease's own
     *     node watch ({@code lost()}, one read)
     */
    private void take(Lease granted, String how, @Nullable String node, BooleanSupplier eventsTrusted) {
        lease = granted;
        LOG.debug("transaction {}: this instance {} it (driver lease token {})", txnId, how, token());
        if (node != null && granted instanceof LossSignal) {
            nodeWatchedByEvents = node;
            ((LossSignal) granted).lossSignal().thenRun(onLost);
            if (eventsTrusted.getAsBoolean() && !node.equals(deletedEarly)) {
                return; // set first, checked second: events after these checks reach nodeDeleted() or eventsMissed()
            }
            nodeWatchedByEvents = null;
        }
        granted.lost().thenRun(onLost);
    }

    /**
     * The coordinator's watch saw the lease node {@code path} deleted. Unless the collect deleted
     * it, the lease's own check is asked for: {@code lost()} reads the node (one read, only here)
     * and ends the lease if it is gone.
     */
    public void nodeDeleted(String path) {
        deletedEarly = path;
        Lease current = lease;
        if (current != null && !releasing && path.equals(nodeWatchedByEvents)) {
            nodeWatchedByEvents = null;
            current.lost().thenRun(onLost);
        }
    }

    /** The coordinator's watch may have missed events (a reconnection): the lease watches its own node from now on. */
    public void eventsMissed() {
        Lease current = lease;
        if (current != null && nodeWatchedByEvents != null) {
            nodeWatchedByEvents = null;
            current.lost().thenRun(onLost);
        }
    }

    /**
     * The operation deleting the lease node, for the collect {@code multi}; null if the role is not
     * held. From then on the node's deletion counts as the release, not as a loss. The operation's
     * path is the lease node's.
     */
    public @Nullable Op releaseOp() {
        Lease current = lease;
        if (current == null || !current.isValid()) {
            return null;
        }
        try {
            releasing = true;
            return locks.releaseOp(current).get();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    /** The collect {@code multi} deleted the lease node: the role ends, released. */
    public void released() {
        Lease current = lease;
        if (current != null) {
            locks.markReleased(current);
        }
    }

    /**
     * Gives the role up (deleting the lease node) so that another instance takes over at once,
     * also when the lease queued by this instance's begin was not adopted yet: otherwise its node
     * would hold the role until this instance's session ends.
     */
    public void close() {
        closed = true;
        LeaseRequest queued = request.getAndSet(null);
        if (queued != null) {
            try {
                queued.adopt().ifPresent(adopted -> lease = adopted);
            } catch (LockException e) {
                LOG.debug("transaction {}: could not adopt the lease queued at begin while closing", txnId, e);
            }
        }
        Lease current = lease;
        if (current != null) {
            current.release();
        }
    }
}
