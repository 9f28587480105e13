package dev.baton.lock.zookeeper.ext;

import dev.baton.lock.Lease;
import dev.baton.lock.zookeeper.internal.CallerLease;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.OpResult;

/**
 * A lease whose queue node the caller creates inside its own ZooKeeper {@code multi()}, so that
 * taking the lock costs no write of its own: it is part of a write the caller makes anyway.
 * Obtained from {@link CallerQueues#leaseRequest(String)}.
 *
 * <pre>{@code
 * LeaseRequest request = queues.leaseRequest("/app/jobs/42/owner");
 * CuratorFramework curator = queues.curator();
 * curator.transaction().forOperations(List.of(
 *         curator.transactionOp().create().forPath("/app/jobs/42"),
 *         curator.transactionOp().create().forPath("/app/jobs/42/owner"),   // the queue, the caller's own
 *         request.createOp()));                                            // our queue node in it
 * Lease lease = request.adopt().orElseThrow();                             // at the head: held
 * // or, after a plain ZooKeeper multi: request.adoptAsync(itsOpResults), which reads nothing
 * }</pre>
 *
 * <p>The queue node is the same ephemeral-sequential node {@link CallerQueues#lockAt} queues with,
 * so the two interoperate: once the holder is gone, {@code lockAt(queuePath)} hands the lock to
 * someone else, with a greater fencing token. It is meant for a queue the caller creates in the
 * same multi (then it is certainly at the head); if the queue already holds a node,
 * {@link #adopt()} answers empty and gives the node up.
 *
 * <p>Thread safety: safe for use by any thread; {@link #adopt()} succeeds at most once.
 */
public final class LeaseRequest {

    private final CallerLease lease;

    LeaseRequest(CallerLease lease) {
        this.lease = lease;
    }

    /** The queue node under which {@link #createOp()} creates the lease's node. */
    public String queuePath() {
        return lease.queuePath();
    }

    /**
     * The operation that creates this request's queue node: ephemeral-sequential, with the lock
     * client's ACL, under {@link #queuePath()}. Put it in a multi on {@link CallerQueues#curator()}
     * after the operation that creates the queue node itself, if the same multi creates it.
     * {@link CuratorOp#get()} is the plain ZooKeeper {@code Op}.
     *
     * <p>Sending it again after a multi whose outcome is unknown is harmless: {@link #adopt()}
     * finds the node by this request's id, and gives up any duplicate.
     */
    public CuratorOp createOp() {
        return lease.createOp();
    }

    /**
     * After the caller's multi: takes the node it created as a held lease. Reads the queue (to find
     * the node, also when the multi's reply was lost, and check it is at the head) and the node's
     * {@code czxid}, which becomes the lease's fencing token. Blocking: two reads; never call it on
     * ZooKeeper's event thread.
     *
     * @return the lease; empty if the node does not exist (the multi did not apply, or the queue was
     *     deleted) or is not at the head of its queue, in which case it is deleted
     * @throws IllegalStateException if this request was adopted before
     * @throws dev.baton.lock.LockException if ZooKeeper cannot be asked, the connection dropped
     *     (with the {@code suspended} loss policy), or the client is closed; a node the multi may
     *     have created is then deleted, after reconnection if need be
     */
    public Optional<Lease> adopt() {
        return lease.adopt();
    }

    /**
     * As {@link #adopt()}, with no thread waiting: the same two reads sent asynchronously. The
     * future completes on ZooKeeper's event thread (continue elsewhere with an {@code ...Async}
     * stage if the next step blocks), exceptionally with the {@code LockException} that
     * {@link #adopt()} would throw.
     *
     * @throws IllegalStateException if this request was adopted before
     */
    public CompletableFuture<Optional<Lease>> adoptAsync() {
        return lease.adoptAsync();
    }

    /**
     * As {@link #adoptAsync()}, given the results of the caller's multi (it succeeded). When they
     * show that the same multi created the queue node as well as this request's node, nothing is
     * read: the node is the queue's only child, and its {@code czxid} is in its result (the
     * {@link #createOp()} is a {@code create2}). Otherwise the two reads of {@link #adoptAsync()}
     * are sent. Either way the future completes as {@link #adoptAsync()}'s does; when no read is
     * needed, it is complete on return.
     *
     * @param results the multi's results, in order
     * @throws IllegalStateException if this request was adopted before
     */
    public CompletableFuture<Optional<Lease>> adoptAsync(List<OpResult> results) {
        return lease.adoptAsync(List.copyOf(results));
    }

    @Override
    public String toString() {
        return lease.toString();
    }
}
