package dev.baton.lock.zookeeper;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import dev.baton.lock.LockNames;
import dev.baton.lock.LossReason;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.framework.api.CuratorListener;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.OperationType;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper {@link LockClient}: one Curator client, hence one ZooKeeper session, shared by all
 * its locks.
 *
 * <p>Each lock is a queue of ephemeral-sequential nodes under
 * {@code <root>/locks/<encoded name>}, a container node that ZooKeeper removes once it is empty.
 * The holder is the lowest node; each waiter watches only its predecessor, so a release wakes one
 * client. The fencing token is the holder node's {@code czxid}: zxids only grow across the
 * ensemble, also across leader changes and restarts.
 *
 * <p>Curator manages the connection, session and credentials; the lock protocol uses the
 * ZooKeeper handle's asynchronous calls directly, so that an acquire sends its create and the read
 * that orders the queue back to back (one session is FIFO) and costs one write's latency.
 *
 * <p>Besides named locks, a caller that keeps its own nodes in ZooKeeper can make a lock's queue
 * one of them and take or give up the lock inside its own {@code multi()}, at no write of its
 * own: {@link #leaseRequest(String)}, {@link #releaseOp(Lease)} and
 * {@link #markReleased(Lease)}, with {@link #lockAt(String)} to queue for such a
 * lock the usual way. The 2PC coordinator holds the driver role of each transaction so.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class ZooKeeperLockClient implements LockClient, LockInspection {

    private static final Logger LOG = LoggerFactory.getLogger(ZooKeeperLockClient.class);
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final CuratorFramework curator;
    private final ZooKeeperLockOptions options;
    private final boolean ownsCurator;
    private final byte[] holderData;
    private final ScheduledThreadPoolExecutor callbacks;
    private final Set<AcquireAttempt> attempts = ConcurrentHashMap.newKeySet();
    private final Set<ZkLease> leases = ConcurrentHashMap.newKeySet();
    private final NodeJanitor janitor;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private final QueueReads queueReads = new QueueReads(this);
    /** Waiting attempts by the node they wait on, so that a lease of ours can tell its successor. */
    private final Map<String, AcquireAttempt> successors = new ConcurrentHashMap<>();
    private final AtomicLong disconnects = new AtomicLong();
    private final CuratorListener eventThreadListener = this::eventReceived;

    private ZooKeeperLockClient(CuratorFramework curator, ZooKeeperLockOptions options, boolean ownsCurator) {
        this.curator = curator;
        this.options = options;
        this.ownsCurator = ownsCurator;
        this.holderData = ManagementFactory.getRuntimeMXBean().getName().getBytes(StandardCharsets.UTF_8);
        int number = CLIENTS.incrementAndGet();
        this.callbacks = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "baton-zookeeper-callbacks-" + number);
            thread.setDaemon(true);
            return thread;
        });
        this.callbacks.setRemoveOnCancelPolicy(true);
        this.janitor = new NodeJanitor(this);
    }

    /**
     * Builds a lock client on a Curator client that the caller has started and keeps. Closing the
     * lock client then releases its leases but leaves {@code curator} open.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code curator} was not started
     * @throws LockException if the root nodes cannot be created (unreachable, or not authorized)
     */
    public static ZooKeeperLockClient wrap(CuratorFramework curator, ZooKeeperLockOptions options) {
        return open(curator, options, false);
    }

    static ZooKeeperLockClient open(CuratorFramework curator, ZooKeeperLockOptions options, boolean ownsCurator) {
        Objects.requireNonNull(curator, "curator");
        Objects.requireNonNull(options, "options");
        if (curator.getState() != org.apache.curator.framework.imps.CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("the Curator client must be started before Baton uses it");
        }
        ZooKeeperLockClient client = new ZooKeeperLockClient(curator, options, ownsCurator);
        try {
            client.ensurePath(options.rootPath());
            client.ensurePath(options.locksPath());
        } catch (RuntimeException e) {
            client.callbacks.shutdownNow();
            throw e;
        }
        curator.getConnectionStateListenable().addListener(client.connectionListener);
        curator.getCuratorListenable().addListener(client.eventThreadListener);
        return client;
    }

    @Override
    public DistributedLock lock(String name) {
        String encoded = LockNames.encode(name);
        checkOpen();
        return new ZkLock(this, name, options.locksPath() + "/" + encoded);
    }

    /**
     * A lock whose queue is the node {@code queuePath}, which the caller owns: it is never created
     * (nor removed) by Baton, and a request on a missing queue fails. It queues exactly like a named
     * lock, so it interoperates with leases from {@link #leaseRequest(String)} on the same path:
     * this is how another process takes over once such a lease's holder is gone, for instance with
     * {@code tryAcquire(Duration.ZERO)}, which writes nothing while the queue holds a node.
     * {@link DistributedLock#name()} and {@link Lease#lockName()} are the path.
     * A request on a missing queue fails with a {@link LockException} (cause: {@code NoNodeException}).
     * Such queues are not listed by {@link #heldLocks(String)}.
     *
     * @param queuePath an absolute ZooKeeper path (ignoring any Curator namespace), not {@code /}
     * @throws NullPointerException if {@code queuePath} is null
     * @throws IllegalArgumentException if it is not a valid ZooKeeper path, is {@code /}, or is
     *     under {@code /zookeeper}
     * @throws IllegalStateException if this client is closed
     */
    public DistributedLock lockAt(String queuePath) {
        LeaseRequest.checkQueuePath(queuePath);
        checkOpen();
        return new ZkLock(this, queuePath, queuePath, true);
    }

    /**
     * Starts a lease whose queue node the caller creates inside its own {@code multi()}: put
     * {@link LeaseRequest#createOp()} into the multi, then {@link LeaseRequest#adopt()} the node.
     * Nothing is sent to ZooKeeper here. The queue node must exist when the multi runs (typically
     * the same multi creates it, persistent, as a node the caller owns); Baton never deletes it.
     *
     * @param queuePath an absolute ZooKeeper path (ignoring any Curator namespace), not {@code /}
     * @throws NullPointerException if {@code queuePath} is null
     * @throws IllegalArgumentException if it is not a valid ZooKeeper path, is {@code /}, or is
     *     under {@code /zookeeper}
     * @throws IllegalStateException if this client is closed
     */
    public LeaseRequest leaseRequest(String queuePath) {
        LeaseRequest.checkQueuePath(queuePath);
        checkOpen();
        return new LeaseRequest(this, queuePath);
    }

    /**
     * The operation that deletes {@code lease}'s queue node, for the caller's own {@code multi()}:
     * the release then costs no write of its own. Once the multi succeeded, call
     * {@link #markReleased(Lease)}. From this call on, a deletion of the node is taken as this
     * release rather than reported through {@link Lease#lost()}. If the multi
     * fails, the lease is still held; {@link Lease#release()} releases it the usual way.
     *
     * @throws NullPointerException if {@code lease} is null
     * @throws IllegalArgumentException if {@code lease} was not granted by this client
     * @throws IllegalStateException if the lease has already been released or lost
     */
    public CuratorOp releaseOp(Lease lease) {
        ZkLease mine = LeaseRequest.own(this, lease);
        if (!mine.isValid()) {
            throw new IllegalStateException("the lease on '" + mine.lockName() + "' has ended already;"
                    + " its node is not ours to delete any more");
        }
        mine.expectReleaseByCaller();
        return LeaseRequest.curatorOp(Op.delete(mine.path(), -1), OperationType.DELETE);
    }

    /**
     * Ends {@code lease} as released after the caller's multi containing {@link #releaseOp(Lease)}
     * succeeded, without deleting anything (a second delete would fail and still cost the ensemble
     * a write). Idempotent; does nothing if the lease has already ended.
     *
     * @throws NullPointerException if {@code lease} is null
     * @throws IllegalArgumentException if {@code lease} was not granted by this client
     */
    public void markReleased(Lease lease) {
        LeaseRequest.own(this, lease).markReleasedByCaller();
    }

    /**
     * Whether {@code childName}, a child of a lock's queue node, is one of Baton's queue entries
     * (held or waiting) rather than a foreign node. For callers that watch a queue they own and
     * want to know whether anyone holds or waits for it.
     *
     * @throws NullPointerException if {@code childName} is null
     */
    public static boolean isQueueNode(String childName) {
        return QueueNode.isQueueNode(Objects.requireNonNull(childName, "childName"));
    }

    @Override
    public String backend() {
        return "zookeeper";
    }

    @Override
    public List<LockInfo> heldLocks(String namePrefix) {
        checkOpen();
        return new LockInspector(curator, options.locksPath()).heldLocks(namePrefix);
    }

    /** The options this client was built with. */
    public ZooKeeperLockOptions options() {
        return options;
    }

    /** The Curator client underneath, for tools that share the session (the 2PC coordinator does). */
    public CuratorFramework curator() {
        return curator;
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        curator.getConnectionStateListenable().removeListener(connectionListener);
        curator.getCuratorListenable().removeListener(eventThreadListener);
        LockException closedError = new LockException("the lock client was closed while the request waited");
        for (AcquireAttempt attempt : attempts) {
            attempt.fail(closedError);
        }
        List<CompletableFuture<Void>> deletes = new java.util.ArrayList<>();
        for (ZkLease lease : leases) {
            deletes.add(lease.markLost(LossReason.CLIENT_CLOSED));
        }
        if (ownsCurator) {
            curator.close();
        } else {
            awaitQuietly(CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)));
        }
        callbacks.shutdown();
    }

    boolean isClosed() {
        return closed.get();
    }

    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this lock client is closed");
        }
    }

    /** The ZooKeeper handle of the current session. */
    ZooKeeper zookeeper() throws LockException {
        try {
            return curator.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            throw new LockException("no ZooKeeper connection: " + e.getMessage(), e);
        }
    }

    void watching(String predecessorPath, AcquireAttempt attempt) {
        successors.put(predecessorPath, attempt);
    }

    void notWatching(String predecessorPath, AcquireAttempt attempt) {
        successors.remove(predecessorPath, attempt);
    }

    /** A lease of this client is about to delete its node: its successor here, if any, learns it held. */
    void releasing(String leasePath) {
        AcquireAttempt successor = successors.get(leasePath);
        if (successor != null) {
            successor.predecessorReleasing(leasePath);
        }
    }

    QueueReads queueReads() {
        return queueReads;
    }

    /**
     * How many times the session has been seen to lose its connection. Counted on ZooKeeper's event
     * thread, in order with watch events, unlike Curator's connection states (delivered later on a
     * thread of their own): a watch event that arrives with this unchanged since some earlier read
     * came over the same, unbroken connection.
     */
    long disconnects() {
        return disconnects.get();
    }

    private void eventReceived(CuratorFramework client, CuratorEvent event) {
        if (event.getType() == CuratorEventType.WATCHED && event.getWatchedEvent() != null
                && event.getWatchedEvent().getState() != Watcher.Event.KeeperState.SyncConnected) {
            disconnects.incrementAndGet();
        }
    }

    boolean isConnected() {
        return curator.getZookeeperClient().isConnected();
    }

    ZooKeeperLockOptions settings() {
        return options;
    }

    byte[] holderData() {
        return holderData;
    }

    NodeJanitor janitor() {
        return janitor;
    }

    /** Runs user-visible completions off ZooKeeper's event thread; inline once the client is closed. */
    void deliver(Runnable completion) {
        try {
            callbacks.execute(completion);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            completion.run();
        }
    }

    void schedule(Runnable task, long delayMillis) {
        try {
            callbacks.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("client closed; dropping scheduled task");
        }
    }

    void register(AcquireAttempt attempt) {
        attempts.add(attempt);
        if (closed.get()) {
            attempt.fail(new LockException("this lock client is closed"));
        }
    }

    void unregister(AcquireAttempt attempt) {
        attempts.remove(attempt);
    }

    /** Returns false if the client closed meanwhile; the caller then gives the lease up. */
    boolean register(ZkLease lease) {
        leases.add(lease);
        return !closed.get();
    }

    void unregister(ZkLease lease) {
        leases.remove(lease);
    }

    /** Creates a persistent node with the client's ACL unless it exists. Blocking: not for the event thread. */
    void ensurePath(String path) {
        try {
            curator.create().withMode(CreateMode.PERSISTENT).withACL(options.acl()).forPath(path);
        } catch (KeeperException.NodeExistsException e) {
            // someone else made it first: fine
        } catch (KeeperException.NoAuthException e) {
            throw new LockException("not authorized to create " + path + " in ZooKeeper: it is protected by an ACL;"
                    + " check baton.zookeeper.auth", e);
        } catch (Exception e) {
            throw new LockException("cannot create " + path + " in ZooKeeper: " + e, e);
        }
    }

    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        LOG.debug("ZooKeeper connection {}", state);
        switch (state) {
            case SUSPENDED:
                if (options.lossPolicy() == LossPolicy.SUSPENDED) {
                    leases.forEach(lease -> lease.markLost(LossReason.CONNECTION_SUSPENDED));
                }
                break;
            case LOST:
                leases.forEach(lease -> lease.markLost(LossReason.SESSION_EXPIRED));
                attempts.forEach(AcquireAttempt::sessionLost);
                break;
            case CONNECTED:
            case RECONNECTED:
                janitor.drain();
                attempts.forEach(AcquireAttempt::resync);
                break;
            default:
                break;
        }
    }

    private static void awaitQuietly(CompletableFuture<?> future) {
        try {
            future.get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("gave up waiting for lock nodes to be deleted on close", e);
        }
    }
}
