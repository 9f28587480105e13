package dev.baton.lock.zookeeper;

import dev.baton.lock.CoordinationInfo;
import dev.baton.lock.DistributedLock;
import dev.baton.lock.DistributedSemaphore;
import dev.baton.lock.LeaderElection;
import dev.baton.lock.ReadWriteLock;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.lock.zookeeper.internal.LockEngine;
import org.apache.zookeeper.KeeperException;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;

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
 * <p>Callers that keep their own nodes in ZooKeeper and want to take or give up a lock inside
 * their own {@code multi()} use {@link CallerQueues} instead, on the same engine.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class ZooKeeperLockClient implements LockClient, LockInspection {

    private final LockEngine engine;

    private ZooKeeperLockClient(LockEngine engine) {
        this.engine = engine;
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
        return new ZooKeeperLockClient(LockEngine.start(curator, options, ownsCurator));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public DistributedLock lock(String name) {
        return engine.lock(name);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Readers and writers queue together under {@code <root>/rwlocks/<encoded name>}.
     */
    @Override
    public ReadWriteLock readWriteLock(String name) {
        return engine.readWriteLock(name);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Holders and waiters queue under {@code <root>/semaphores/<encoded name>}; the first
     * {@code permits} nodes hold.
     */
    @Override
    public DistributedSemaphore semaphore(String name, int permits) {
        return engine.semaphore(name, permits);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Candidates queue under {@code <root>/elections/<encoded name>}; the head leads, and its
     * node holds the payload.
     */
    @Override
    public LeaderElection election(String name) {
        return engine.election(name);
    }

    @Override
    public String backend() {
        return "zookeeper";
    }

    /**
     * {@inheritDoc}
     *
     * <p>Blocking: one read of {@code <root>/locks}, and one or two per lock.
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public List<LockInfo> heldLocks(String namePrefix) {
        return engine.heldLocks(namePrefix);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Fails at once, sending nothing, while the connection is down (suspended, or the session
     * lost and not yet replaced); otherwise reads whether the root node exists.
     */
    @Override
    public Duration ping() {
        CuratorFramework curator = engine.curator();
        if (!curator.getZookeeperClient().isConnected()) {
            throw new LockException("not connected to ZooKeeper ("
                    + curator.getZookeeperClient().getCurrentConnectionString() + ")");
        }
        long started = System.nanoTime();
        try {
            curator.getZookeeperClient().getZooKeeper().exists(engine.options().rootPath(), false);
        } catch (KeeperException e) {
            throw new LockException("ZooKeeper did not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while waiting for ZooKeeper", e);
        } catch (Exception e) {
            throw new LockException("no ZooKeeper connection: " + e.getMessage(), e);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Blocking: one listing per recipe root, one per queue, and one read per queue.
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public List<CoordinationInfo> coordination(String namePrefix) {
        return engine.coordination(namePrefix);
    }

    /** The options this client was built with. */
    public ZooKeeperLockOptions options() {
        return engine.options();
    }

    /**
     * Fails pending requests, ends held leases ({@code lost()} completes with
     * {@code CLIENT_CLOSED}) and deletes their nodes; closes the Curator client if this client
     * opened it. Idempotent; never throws.
     */
    @Override
    public void close() {
        engine.stop();
    }

    /** The engine underneath, for this package's tests. */
    LockEngine engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "ZooKeeperLockClient[" + engine.options().rootPath() + ", " + engine.state() + "]";
    }
}
