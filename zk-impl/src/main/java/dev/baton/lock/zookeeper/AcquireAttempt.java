package dev.baton.lock.zookeeper;

import dev.baton.lock.LockException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.AsyncCallback.Create2Callback;
import org.apache.zookeeper.AsyncCallback.DataCallback;
import org.apache.zookeeper.AsyncCallback.StatCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * One request for a lock, driven entirely by ZooKeeper callbacks: no thread waits for it.
 *
 * <pre>
 *  RUNNING --(our node is first)--------------> GRANTED
 *     |  \--(withdraw: cancel, interrupt, timeout, one-shot miss)--> WITHDRAWN
 *     \----(non-retryable error, client closed)-----------------> FAILED
 * </pre>
 *
 * While RUNNING it loops: create our node and, pipelined behind it, read the queue; if we are
 * first we hold the lock; otherwise watch our predecessor and read again when it goes. A lost
 * connection parks the loop until Curator reports a reconnection; a lost session forgets the node
 * and starts over with a new attempt id. Each round bumps {@code generation} so that replies from
 * an abandoned round are ignored. All state is guarded by {@code this}; callbacks arrive on
 * ZooKeeper's single event thread, cancellation on the user's.
 */
final class AcquireAttempt {

    private enum State { RUNNING, GRANTED, WITHDRAWN, FAILED }

    private static final int MAX_CONTAINER_RETRIES = 10;

    final CompletableFuture<ZkLease> result = new CompletableFuture<>();

    private final ZooKeeperLockClient client;
    private final ZkLock lock;
    private final boolean oneShot;
    private State state = State.RUNNING;
    private String attemptId = newId();
    private boolean createSent;
    private String node;
    private long czxid = -1;
    private int generation;
    private int containerRetries;
    private QueueListing pendingListing;
    private int pendingRound = -1;
    /** {@link ZooKeeperLockClient#disconnects()} when the current round's queue read was sent. */
    private long epoch;
    /** The node we watch, while we wait for it to go; registered with the client for {@link #predecessorReleasing}. */
    private String watchedPredecessor;
    private volatile String releasedPredecessor;
    private volatile Waiting waiting;

    /** What {@link #predecessorReleasing} needs, published for the releasing thread. */
    private record Waiting(int round, String predecessor, String own) {
    }

    AcquireAttempt(ZooKeeperLockClient client, ZkLock lock, boolean oneShot) {
        this.client = client;
        this.lock = lock;
        this.oneShot = oneShot;
    }

    void start() {
        client.register(this);
        if (oneShot) {
            peek();
        } else {
            enqueue();
        }
    }

    /** A one-shot attempt first looks: if anyone is queued it gives up without writing anything. */
    private synchronized void peek() {
        int round = ++generation;
        call(zk -> client.queueReads().read(lock.path(), (code, listing) -> {
            synchronized (this) {
                if (round != generation || state != State.RUNNING) {
                    return;
                }
                if (code == Code.OK && !listing.queue().isEmpty()) {
                    finishWithout();
                } else if (code == Code.NONODE && lock.callerOwnsQueue()) {
                    failNoQueue();
                } else if (code == Code.OK || code == Code.NONODE) {
                    enqueue();
                } else {
                    handleError(code, lock.path());
                }
            }
        }));
    }

    /**
     * Starts the request for a caller that will block on it anyway ({@code acquire()}): the create
     * is sent as usual, but the queue is read synchronously on the caller's thread, so that when the
     * lock is free the caller is granted it without waiting for ZooKeeper's event thread to pass
     * the answer on. Falls back to the callback loop for everything else.
     *
     * @throws InterruptedException if the caller is interrupted while reading; the caller withdraws
     */
    void startBlocking() throws InterruptedException {
        client.register(this);
        int round;
        synchronized (this) {
            if (state != State.RUNNING || oneShot || !client.isConnected()) {
                if (state == State.RUNNING) {
                    if (oneShot) {
                        peek();
                    } else {
                        enqueue();
                    }
                }
                return;
            }
            round = ++generation;
            createSent = true;
            node = null;
            czxid = -1;
            epoch = client.disconnects();
        }
        ZooKeeper zk;
        try {
            zk = client.zookeeper();
        } catch (LockException e) {
            synchronized (this) {
                if (round == generation && state == State.RUNNING) {
                    stall();
                }
            }
            return;
        }
        String lockPath = lock.path();
        zk.create(QueueNode.createPath(lockPath, attemptId), client.holderData(), client.settings().acl(),
                CreateMode.EPHEMERAL_SEQUENTIAL, (Create2Callback) (rc, path, ctx, name, stat) ->
                        created(round, Code.get(rc), name, stat), null);
        List<String> children;
        try {
            // FIFO behind the create, as in enqueue(); its reply wakes this thread directly.
            children = zk.getChildren(lockPath, false);
        } catch (KeeperException e) {
            listedOnCaller(round, e.code(), null);
            return;
        }
        listedOnCaller(round, Code.OK, new QueueListing(children));
    }

    private synchronized void listedOnCaller(int round, Code code, QueueListing listing) {
        if (round != generation || state != State.RUNNING) {
            return;
        }
        if (code == Code.OK && node == null) {
            // The create's answer is still on its way through the event thread: let it evaluate.
            pendingListing = listing;
            pendingRound = round;
            return;
        }
        listed(round, code, listing);
    }

    private synchronized void enqueue() {
        int round = ++generation;
        createSent = true;
        node = null;
        czxid = -1;
        epoch = client.disconnects();
        String lockPath = lock.path();
        call(zk -> {
            zk.create(QueueNode.createPath(lockPath, attemptId), client.holderData(), client.settings().acl(),
                    CreateMode.EPHEMERAL_SEQUENTIAL, (Create2Callback) (rc, path, ctx, name, stat) ->
                            created(round, Code.get(rc), name, stat), null);
            // Sent before the create's reply: the session is FIFO, so this read sees our node.
            client.queueReads().read(lockPath, (code, listing) -> listed(round, code, listing));
        });
    }

    private synchronized void created(int round, Code code, String name, Stat stat) {
        if (round != generation || state != State.RUNNING) {
            if (code == Code.OK) {
                client.janitor().delete(name);
            } else if (isTransient(code)) {
                client.janitor().purge(lock.path(), attemptId);
            }
            return;
        }
        switch (code) {
            case OK:
                node = QueueNode.name(name);
                czxid = stat.getCzxid();
                if (pendingListing != null && pendingRound == round) {
                    QueueListing listing = pendingListing;
                    pendingListing = null;
                    evaluate(listing);
                }
                break;
            case NONODE:
                if (lock.callerOwnsQueue()) {
                    failNoQueue();
                } else {
                    createContainerAndRetry();
                }
                break;
            default:
                handleError(code, lock.path());
        }
    }

    private synchronized void listed(int round, Code code, QueueListing listing) {
        if (round != generation || state != State.RUNNING) {
            return;
        }
        if (code == Code.OK) {
            evaluate(listing);
        } else if (code == Code.NONODE && lock.callerOwnsQueue()) {
            failNoQueue();
        } else if (code == Code.NONODE) {
            enqueue();
        } else {
            handleError(code, lock.path());
        }
    }

    private void evaluate(QueueListing listing) {
        List<String> queue = listing.queue();
        int index = -1;
        for (int i : listing.positionsOf(attemptId)) {
            String child = queue.get(i);
            if (index < 0 && (node == null || node.equals(child))) {
                index = i;
            } else {
                // a duplicate from a create whose reply was lost
                client.janitor().delete(lock.path() + "/" + child);
            }
        }
        if (index < 0) {
            enqueue();
            return;
        }
        if (!queue.get(index).equals(node)) {
            node = queue.get(index);
            czxid = -1;
        }
        if (index == 0) {
            grantWhenTokenKnown();
        } else if (oneShot) {
            finishWithout();
        } else {
            watch(queue.get(index - 1), index == 1);
        }
    }

    /**
     * Waits for our predecessor to go. Once it is gone we are first if it held the lock, since
     * later nodes only ever sort after ours; we then take the lock on the deletion event without
     * reading the queue again. We know it held if it was first when the queue was read, or if it
     * is a lease of this client, which tells us before deleting its node ({@link #predecessorReleasing}).
     * That shortcut needs two more facts, which watches on one session give in order: our own node
     * still exists (its deletion, by an operator say, reaches us first, as the watch on it is sent
     * before the predecessor's deletion can reach the server), and no reconnection replayed the
     * events in another order (any disconnection since the read disables the shortcut). In every
     * other case the waiter reads the queue when its predecessor goes, as Curator's recipe does,
     * and sends nothing more.
     */
    private void watch(String predecessor, boolean predecessorHolds) {
        int round = generation;
        long readEpoch = epoch;
        String predecessorPath = lock.path() + "/" + predecessor;
        stopWatching();
        watchedPredecessor = predecessorPath;
        client.watching(predecessorPath, this);
        Watcher theirs = (WatchedEvent event) -> {
            if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
                predecessorGone(round, predecessorPath, predecessorHolds, readEpoch);
            }
        };
        String ownPath = lock.path() + "/" + node;
        // Published only when needed: a predecessor that held at the read needs no telling.
        waiting = predecessorHolds ? null : new Waiting(round, predecessorPath, ownPath);
        call(zk -> {
            if (predecessorHolds) {
                watchOwnNode(zk, round, ownPath);
            }
            zk.getData(predecessorPath, theirs, (DataCallback) (rc, path, ctx, data, stat) -> {
                Code code = Code.get(rc);
                if (code == Code.NONODE) {
                    predecessorGone(round, predecessorPath, predecessorHolds, readEpoch);
                } else if (code != Code.OK) {
                    synchronized (this) {
                        if (round == generation && state == State.RUNNING) {
                            handleError(code, path);
                        }
                    }
                }
            }, null);
        });
    }

    /** Watches our own node; sent before anything whose outcome the shortcut relies on. */
    private void watchOwnNode(ZooKeeper zk, int round, String ownPath) {
        Watcher mine = (WatchedEvent event) -> {
            if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
                resyncIfRound(round);
            }
        };
        zk.exists(ownPath, mine, (StatCallback) (rc, path, ctx, stat) -> {
            if (Code.get(rc) != Code.OK) {
                resyncIfRound(round);
            }
        }, null);
    }

    /**
     * A lease of this client, our predecessor, is about to delete its node, so it holds the lock.
     * Called on the releasing thread before the delete is sent: the watch on our own node sent
     * here reaches the server first, on the same session.
     */
    void predecessorReleasing(String path) {
        Waiting current = waiting;
        if (current == null || !current.predecessor.equals(path)) {
            return;
        }
        try {
            watchOwnNode(client.zookeeper(), current.round, current.own);
        } catch (LockException e) {
            return; // no connection: the deletion will be read the usual way
        }
        releasedPredecessor = path;
    }

    private synchronized void predecessorGone(int round, String path, boolean heldAtRead, long readEpoch) {
        if (round != generation || state != State.RUNNING) {
            client.notWatching(path, this);
            return;
        }
        stopWatching();
        boolean held = heldAtRead || path.equals(releasedPredecessor);
        if (held && readEpoch == client.disconnects()) {
            grantWhenTokenKnown();
        } else {
            resync();
        }
    }

    private void stopWatching() {
        waiting = null;
        if (watchedPredecessor != null) {
            client.notWatching(watchedPredecessor, this);
            watchedPredecessor = null;
        }
    }

    /** The token is the czxid; it is unknown only if we adopted our node after a lost create reply. */
    private void grantWhenTokenKnown() {
        if (czxid >= 0) {
            grant();
            return;
        }
        int round = generation;
        call(zk -> zk.exists(lock.path() + "/" + node, false, (StatCallback) (rc, path, ctx, stat) -> {
            synchronized (this) {
                if (round != generation || state != State.RUNNING) {
                    return;
                }
                if (Code.get(rc) == Code.OK) {
                    czxid = stat.getCzxid();
                    grant();
                } else {
                    resync();
                }
            }
        }, null));
    }

    private void grant() {
        if (client.settings().lossPolicy() == LossPolicy.SUSPENDED && !client.isConnected()) {
            // The reply raced a disconnection that the connection listener has already handled;
            // granting now would hand out a lease nobody will declare lost. Ask again later.
            stall();
            return;
        }
        state = State.GRANTED;
        stopWatching();
        client.unregister(this);
        ZkLease lease = new ZkLease(client, lock.name(), lock.path() + "/" + node, czxid);
        if (!client.register(lease)) {
            client.unregister(lease);
            client.janitor().delete(lease.path());
            result.completeExceptionally(new LockException("the lock client was closed while the request waited"));
            return;
        }
        if (!result.complete(lease)) {
            lease.releaseInBackground();
        }
    }

    /** A one-shot attempt that found the lock taken: withdraw and answer "not acquired". */
    private void finishWithout() {
        withdrawLocked();
        result.complete(null);
    }

    /**
     * Withdraws the request unless it has already ended.
     *
     * @return true if this call withdrew it; false if it was already granted or failed
     */
    synchronized boolean withdraw() {
        if (state != State.RUNNING) {
            return false;
        }
        withdrawLocked();
        return true;
    }

    private void withdrawLocked() {
        state = State.WITHDRAWN;
        generation++;
        client.unregister(this);
        cleanUp();
    }

    /** Ends the request with an error, withdrawing its node. */
    synchronized void fail(RuntimeException error) {
        if (state != State.RUNNING) {
            return;
        }
        state = State.FAILED;
        generation++;
        client.unregister(this);
        cleanUp();
        result.completeExceptionally(error);
    }

    /** The session is gone, and with it our node (eventually): start over as a new attempt. */
    synchronized void sessionLost() {
        if (state != State.RUNNING) {
            return;
        }
        generation++;
        cleanUp();
        attemptId = newId();
        createSent = false;
        node = null;
        czxid = -1;
    }

    /** After a reconnection, or when our predecessor left: read the queue again. */
    synchronized void resync() {
        if (state != State.RUNNING) {
            return;
        }
        if (!createSent) {
            enqueue();
            return;
        }
        int round = ++generation;
        epoch = client.disconnects();
        call(zk -> client.queueReads().read(lock.path(), (code, listing) -> listed(round, code, listing)));
    }

    private synchronized void resyncIfRound(int round) {
        if (round == generation) {
            resync();
        }
    }

    private void cleanUp() {
        stopWatching();
        if (node != null) {
            client.janitor().delete(lock.path() + "/" + node);
        } else if (createSent) {
            client.janitor().purge(lock.path(), attemptId);
        }
    }

    /** A queue the caller owns is gone (or never was): creating it is not ours to do. */
    private void failNoQueue() {
        fail(new LockException("the queue node " + lock.path() + " does not exist; it belongs to the caller,"
                + " so Baton does not create it", KeeperException.create(Code.NONODE, lock.path())));
    }

    private void createContainerAndRetry() {
        if (++containerRetries > MAX_CONTAINER_RETRIES) {
            fail(new LockException("cannot create the queue node " + lock.path()
                    + ": its parent keeps disappearing; was " + client.settings().locksPath() + " deleted?"));
            return;
        }
        int round = ++generation;
        call(zk -> zk.create(lock.path(), new byte[0], client.settings().acl(), CreateMode.CONTAINER,
                (Create2Callback) (rc, path, ctx, name, stat) -> {
                    Code code = Code.get(rc);
                    synchronized (this) {
                        if (round != generation || state != State.RUNNING) {
                            return;
                        }
                        if (code == Code.OK || code == Code.NODEEXISTS) {
                            enqueue();
                        } else if (code == Code.NONODE) {
                            client.deliver(this::recreateRoot);
                        } else {
                            handleError(code, path);
                        }
                    }
                }, null));
    }

    /** Someone deleted the locks root; put it back (blocking, so not on the event thread). */
    private void recreateRoot() {
        try {
            client.ensurePath(client.settings().rootPath());
            client.ensurePath(client.settings().locksPath());
            synchronized (this) {
                if (state == State.RUNNING) {
                    createContainerAndRetry();
                }
            }
        } catch (LockException e) {
            fail(e);
        }
    }

    private void handleError(Code code, String path) {
        if (isTransient(code) && !oneShot) {
            stall();
        } else if (isTransient(code)) {
            fail(new LockException("lost the ZooKeeper connection during a single tryAcquire attempt on '"
                    + lock.name() + "'", KeeperException.create(code, path)));
        } else if (code == Code.NOAUTH) {
            fail(new LockException("not authorized to queue for lock '" + lock.name() + "' at " + path
                    + ": the node's ACL belongs to other credentials; check baton.zookeeper.auth",
                    KeeperException.create(code, path)));
        } else {
            fail(new LockException("ZooKeeper refused a request for lock '" + lock.name() + "': " + code,
                    KeeperException.create(code, path)));
        }
    }

    /** Waits for the connection listener's resync; a timer covers a reconnection that already happened. */
    private void stall() {
        int round = ++generation;
        client.schedule(() -> {
            if (client.isConnected()) {
                resyncIfRound(round);
            }
        }, 500);
    }

    private interface ZkCall {
        void send(ZooKeeper zk);
    }

    private void call(ZkCall call) {
        ZooKeeper zk;
        try {
            zk = client.zookeeper();
        } catch (LockException e) {
            if (client.isClosed()) {
                fail(e);
            } else {
                stall();
            }
            return;
        }
        call.send(zk);
    }

    private static boolean isTransient(Code code) {
        return code == Code.CONNECTIONLOSS || code == Code.SESSIONEXPIRED || code == Code.SESSIONMOVED
                || code == Code.OPERATIONTIMEOUT || code == Code.REQUESTTIMEOUT;
    }

    private static String newId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }
}
