package dev.baton.lock.zookeeper.ext;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockException;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.lock.zookeeper.internal.CuratorOps;
import dev.baton.lock.zookeeper.internal.LockEngine;
import dev.baton.lock.zookeeper.internal.ZooKeeperConnection;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.OperationType;

/**
 * Locks whose queues are nodes the caller owns, taken and given up inside the caller's own
 * ZooKeeper {@code multi()} at no write of their own: the extension for callers that keep their
 * own nodes in ZooKeeper on the same session, such as the 2PC coordinator (which holds the driver
 * role of each transaction so).
 *
 * <ul>
 *   <li>{@link #leaseRequest(String)}: put its {@link LeaseRequest#createOp()} into a multi, then
 *       {@link LeaseRequest#adopt()} the node as a held lease (two reads, no write);
 *   <li>{@link #releaseOp(Lease)}: the delete of a lease's node for a multi, then
 *       {@link #markReleased(Lease)} once the multi succeeded;
 *   <li>{@link #lockAt(String)}: an ordinary {@link DistributedLock} on such a queue, to take over
 *       once a holder is gone;
 *   <li>{@link #isQueueNode(String)}: Baton's queue nodes among a queue's children.
 * </ul>
 *
 * <p><b>Why Curator types here.</b> A lease's node is ephemeral, so it belongs to the session
 * whose multi creates it, and {@link LeaseRequest#adopt()} finds it through this object's session:
 * the caller's multi must run on {@link #curator()}. Curator's {@code transaction()} takes
 * {@link CuratorOp}s, so that is what the operations are; {@link CuratorOp#get()} is the plain
 * ZooKeeper {@code Op} for callers of {@code ZooKeeper.multi}. Paths are absolute: they ignore any
 * Curator namespace, as every lock node does.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class CallerQueues implements AutoCloseable {

    private final LockEngine engine;

    private CallerQueues(LockEngine engine) {
        this.engine = engine;
    }

    /**
     * Caller queues on a Curator client the caller has started and keeps (it must not use a
     * namespace: lock nodes are written with absolute paths). Closing them releases their leases
     * but leaves {@code curator} open.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code curator} was not started
     * @throws LockException if the root nodes cannot be created (unreachable, or not authorized)
     */
    public static CallerQueues wrap(CuratorFramework curator, ZooKeeperLockOptions options) {
        return new CallerQueues(LockEngine.start(curator, options, false));
    }

    /**
     * Caller queues on a ZooKeeper connection of their own, configured by the ZooKeeper backend's
     * {@code baton.zookeeper.*} keys ({@code connect} required; session timeout, root, auth, TLS,
     * loss policy). Closing them closes the connection.
     *
     * @throws IllegalArgumentException if keys are missing, malformed or contradict each other
     * @throws LockException if ZooKeeper cannot be reached within the connection timeout, or the root
     *     nodes cannot be created; nothing is left open then
     */
    public static CallerQueues open(BatonConfig config) {
        ZooKeeperConnection connection = ZooKeeperConnection.connect(Objects.requireNonNull(config, "config"));
        try {
            return new CallerQueues(LockEngine.start(connection.curator(), connection.options(), true));
        } catch (RuntimeException e) {
            connection.curator().close();
            throw e;
        }
    }

    /**
     * Starts a lease whose queue node the caller creates inside its own multi: put
     * {@link LeaseRequest#createOp()} into the multi, then {@link LeaseRequest#adopt()} the node.
     * Nothing is sent to ZooKeeper here. The queue node must exist when the multi runs (typically
     * the same multi creates it, persistent, as a node the caller owns); Baton never deletes it.
     *
     * @param queuePath an absolute ZooKeeper path, not {@code /}
     * @throws NullPointerException if {@code queuePath} is null
     * @throws IllegalArgumentException if it is not a valid ZooKeeper path, is {@code /}, or is
     *     under {@code /zookeeper}
     * @throws IllegalStateException if this object is closed
     */
    public LeaseRequest leaseRequest(String queuePath) {
        return new LeaseRequest(engine.callerLease(queuePath));
    }

    /**
     * A lock whose queue is the node {@code queuePath}, which the caller owns: it is never created
     * (nor removed) by Baton. It queues exactly like a named lock, so it interoperates with leases
     * from {@link #leaseRequest(String)} on the same path: this is how another process takes over
     * once such a lease's holder is gone, for instance with {@code tryAcquire(Duration.ZERO)}, which
     * writes nothing while the queue holds a node. {@link DistributedLock#name()} and
     * {@link Lease#lockName()} are the path. A request on a missing queue fails with a
     * {@link LockException} whose cause is a {@code NoNodeException}.
     *
     * @param queuePath an absolute ZooKeeper path, not {@code /}
     * @throws NullPointerException if {@code queuePath} is null
     * @throws IllegalArgumentException if it is not a valid ZooKeeper path, is {@code /}, or is
     *     under {@code /zookeeper}
     * @throws IllegalStateException if this object is closed
     */
    public DistributedLock lockAt(String queuePath) {
        return engine.lockAt(queuePath);
    }

    /**
     * The operation that deletes {@code lease}'s queue node, for the caller's own multi: the release
     * then costs no write of its own. Once the multi succeeded, call {@link #markReleased(Lease)}.
     * From this call on, a deletion of the node is taken as this release rather than reported
     * through {@link Lease#lost()}. If the multi fails, the lease is still held;
     * {@link Lease#release()} releases it the usual way. Its path is the lease node's.
     *
     * @throws NullPointerException if {@code lease} is null
     * @throws IllegalArgumentException if {@code lease} was not granted by this object
     * @throws IllegalStateException if the lease has already been released or lost
     */
    public CuratorOp releaseOp(Lease lease) {
        return CuratorOps.of(engine.releaseOp(lease), OperationType.DELETE);
    }

    /**
     * Ends {@code lease} as released after the caller's multi containing {@link #releaseOp(Lease)}
     * succeeded, without deleting anything (a second delete would fail and still cost the ensemble
     * a write). Idempotent; does nothing if the lease has already ended.
     *
     * @throws NullPointerException if {@code lease} is null
     * @throws IllegalArgumentException if {@code lease} was not granted by this object
     */
    public void markReleased(Lease lease) {
        engine.markReleased(lease);
    }

    /**
     * Whether {@code childName}, a child of a queue node, is one of Baton's queue entries (held or
     * waiting) rather than a foreign node.
     *
     * @throws NullPointerException if {@code childName} is null
     */
    public static boolean isQueueNode(String childName) {
        return LockEngine.isQueueNode(childName);
    }

    /** The Curator client whose session holds the leases: the caller's multis must run on it. */
    public CuratorFramework curator() {
        return engine.curator();
    }

    /** Root, loss policy and ACL. */
    public ZooKeeperLockOptions options() {
        return engine.options();
    }

    /**
     * Fails pending requests and releases held leases (their {@code lost()} completes with
     * {@code CLIENT_CLOSED}); closes the connection if {@link #open} made it. Idempotent.
     */
    @Override
    public void close() {
        engine.stop();
    }

    @Override
    public String toString() {
        return "CallerQueues[" + engine.options().rootPath() + "]";
    }
}
