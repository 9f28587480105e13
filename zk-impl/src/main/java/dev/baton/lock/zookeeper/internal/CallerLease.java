package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.Lease;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.zookeeper.OpResult;

/**
 * What a lease request queued in the caller's own multi is: a queue path and an attempt id, the
 * create of its node, and its adoption (at most once). The public {@code LeaseRequest} types are
 * views of it.
 *
 * <p>Thread-safe.
 */
public final class CallerLease {

    private final LockEngine engine;
    private final String queuePath;
    private final String attemptId = QueueNode.newAttemptId("");
    private final AtomicBoolean adopted = new AtomicBoolean();

    CallerLease(LockEngine engine, String queuePath) {
        this.engine = engine;
        this.queuePath = queuePath;
    }

    /** The queue node the lease's node is created under. */
    public String queuePath() {
        return queuePath;
    }

    /** The create of the lease's ephemeral-sequential node, for the caller's multi. */
    public CuratorOp createOp() {
        return CuratorOps.of(engine.createOp(queuePath, attemptId), OperationType.CREATE);
    }

    /**
     * Takes the node the multi created as a held lease, if it heads its queue.
     *
     * @throws IllegalStateException if it was adopted before
     */
    public Optional<Lease> adopt() {
        markAdopted();
        return engine.adopt(queuePath, attemptId);
    }

    /**
     * As {@link #adopt()}, with no thread waiting for the reads.
     *
     * @throws IllegalStateException if it was adopted before
     */
    public CompletableFuture<Optional<Lease>> adoptAsync() {
        markAdopted();
        return engine.adoptAsync(queuePath, attemptId);
    }

    /**
     * As {@link #adoptAsync()}, given the results of the multi that created the node: when they
     * show that the same multi created the queue node too, no read is sent.
     *
     * @throws IllegalStateException if it was adopted before
     */
    public CompletableFuture<Optional<Lease>> adoptAsync(List<OpResult> results) {
        markAdopted();
        Lease lease;
        try {
            lease = engine.adoptCreated(queuePath, attemptId, results);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return lease != null ? CompletableFuture.completedFuture(Optional.of(lease))
                : engine.adoptAsync(queuePath, attemptId);
    }

    /** Each request is adopted at most once, by whichever of the adoptions comes first. */
    private void markAdopted() {
        if (!adopted.compareAndSet(false, true)) {
            throw new IllegalStateException("this lease request on " + queuePath + " was adopted already;"
                    + " make a new request for another lease");
        }
    }

    @Override
    public String toString() {
        return "LeaseRequest[" + queuePath + ", attempt " + attemptId + "]";
    }
}
