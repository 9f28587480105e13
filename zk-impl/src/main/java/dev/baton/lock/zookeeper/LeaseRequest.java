package dev.baton.lock.zookeeper;

import dev.baton.lock.Lease;
import dev.baton.lock.LockException;
import dev.baton.lock.LossReason;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.api.transaction.TypeAndPath;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;

/**
 * A lease whose queue node the caller creates inside its own ZooKeeper {@code multi()}, so that
 * taking the lock costs no write of its own: it is part of a write the caller makes anyway.
 * Obtained from {@link ZooKeeperLockClient#leaseRequest(String)}.
 *
 * <pre>{@code
 * LeaseRequest request = locks.leaseRequest("/app/jobs/42/owner");
 * curator.transaction().forOperations(List.of(
 *         curator.transactionOp().create().forPath("/app/jobs/42"),
 *         curator.transactionOp().create().forPath("/app/jobs/42/owner"),   // the queue, the caller's own
 *         request.createOp()));                                            // our queue node in it
 * Lease lease = request.adopt().orElseThrow();                             // at the head: held
 * }</pre>
 *
 * <p>The queue node is the same ephemeral-sequential node {@link ZooKeeperLockClient#lockAt}
 * queues with, so the two interoperate: once the holder is gone, {@code lockAt(queuePath)} hands
 * the lock to someone else, with a greater fencing token. It is meant for a queue the caller
 * creates in the same multi (then it is certainly at the head); if the queue already holds a
 * node, {@link #adopt()} answers empty and gives the node up.
 *
 * <p>Paths are absolute ZooKeeper paths; like every node of the lock client, they ignore any
 * namespace the Curator client was built with.
 *
 * <p>Thread safety: safe for use by any thread; {@link #adopt()} succeeds at most once.
 */
public final class LeaseRequest {

    private final ZooKeeperLockClient client;
    private final String queuePath;
    private final String attemptId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final AtomicBoolean adopted = new AtomicBoolean();

    LeaseRequest(ZooKeeperLockClient client, String queuePath) {
        this.client = client;
        this.queuePath = queuePath;
    }

    /** The queue node under which {@link #createOp()} creates the lease's node. */
    public String queuePath() {
        return queuePath;
    }

    /**
     * The operation that creates this request's queue node: ephemeral-sequential, with the lock
     * client's ACL, under {@link #queuePath()}. Put it in a {@code multi()} after the operation that
     * creates the queue node itself, if the same multi creates it. {@link CuratorOp#get()} gives
     * the plain ZooKeeper {@link Op} for callers of {@code ZooKeeper.multi}.
     *
     * <p>It may be used in one multi that succeeds; sending it again after a failure whose outcome
     * is unknown is harmless, since {@link #adopt()} finds the node by this request's id.
     */
    public CuratorOp createOp() {
        return curatorOp(Op.create(QueueNode.createPath(queuePath, attemptId), client.holderData(),
                client.settings().acl(), CreateMode.EPHEMERAL_SEQUENTIAL), OperationType.CREATE);
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
     * @throws LockException if ZooKeeper cannot be asked, the connection dropped (with the
     *     {@code suspended} loss policy), or the client is closed; a node the multi may have created
     *     is then deleted, after reconnection if need be
     */
    public Optional<Lease> adopt() {
        if (!adopted.compareAndSet(false, true)) {
            throw new IllegalStateException("this lease request on " + queuePath + " was adopted already;"
                    + " make a new request for another lease");
        }
        if (client.isClosed()) {
            throw new LockException("the lock client is closed; cannot adopt a node under " + queuePath);
        }
        try {
            ZooKeeper zk = client.zookeeper();
            String mine = findMine(zk.getChildren(queuePath, false));
            if (mine == null) {
                return Optional.empty();
            }
            Stat stat = zk.exists(mine, false);
            return stat == null ? Optional.empty() : Optional.of(grant(mine, stat.getCzxid()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (KeeperException e) {
            client.janitor().purge(queuePath, attemptId);
            throw new LockException("cannot adopt the queue node under " + queuePath + ": " + e.code(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            client.janitor().purge(queuePath, attemptId);
            throw new LockException("interrupted while adopting the queue node under " + queuePath, e);
        }
    }

    /** Our node's full path if it heads the queue; null (after giving it up) if it exists elsewhere in it. */
    private String findMine(List<String> children) {
        List<String> queue = QueueNode.ordered(children);
        String mine = null;
        for (String child : queue) {
            if (!QueueNode.belongsTo(child, attemptId)) {
                continue;
            }
            if (mine == null) {
                mine = child;
            } else {
                client.janitor().delete(queuePath + "/" + child);
            }
        }
        if (mine != null && !queue.get(0).equals(mine)) {
            client.janitor().delete(queuePath + "/" + mine);
            return null;
        }
        return mine == null ? null : queuePath + "/" + mine;
    }

    private Lease grant(String path, long czxid) {
        ZkLease lease = new ZkLease(client, queuePath, path, czxid);
        if (!client.register(lease)) {
            client.unregister(lease);
            client.janitor().delete(path);
            throw new LockException("the lock client was closed while adopting " + path);
        }
        // Registered first, checked second: a disconnection reported after this check reaches the
        // lease through the connection listener; one reported before it is caught here.
        if (client.settings().lossPolicy() == LossPolicy.SUSPENDED && !client.isConnected()) {
            lease.markLost(LossReason.CONNECTION_SUSPENDED);
            throw new LockException("the ZooKeeper connection dropped while adopting " + path
                    + "; the node is deleted when it returns");
        }
        return lease;
    }

    /** The lease as granted by {@code client}, or IllegalArgumentException. */
    static ZkLease own(ZooKeeperLockClient client, Lease lease) {
        Objects.requireNonNull(lease, "lease");
        if (!(lease instanceof ZkLease) || ((ZkLease) lease).client() != client) {
            throw new IllegalArgumentException("not a lease granted by this lock client: " + lease);
        }
        return (ZkLease) lease;
    }

    static void checkQueuePath(String queuePath) {
        Objects.requireNonNull(queuePath, "queuePath");
        PathUtils.validatePath(queuePath);
        if (queuePath.equals("/") || queuePath.equals("/zookeeper") || queuePath.startsWith("/zookeeper/")) {
            throw new IllegalArgumentException("a queue path must be below / and outside /zookeeper: '" + queuePath + "'");
        }
    }

    static CuratorOp curatorOp(Op op, OperationType type) {
        TypeAndPath typeAndPath = new TypeAndPath(type, op.getPath());
        return new CuratorOp() {
            @Override
            public Op get() {
                return op;
            }

            @Override
            public TypeAndPath getTypeAndPath() {
                return typeAndPath;
            }
        };
    }

    @Override
    public String toString() {
        return "LeaseRequest[" + queuePath + ", attempt " + attemptId + "]";
    }
}
