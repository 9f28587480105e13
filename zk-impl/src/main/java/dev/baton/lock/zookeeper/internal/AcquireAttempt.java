package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LockException;
import dev.baton.lock.zookeeper.LossPolicy;
import dev.baton.lock.zookeeper.ext.KeeperFaults;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * One request for a lock, driven entirely by ZooKeeper callbacks: no thread waits for it.
 *
 * <pre>
 *  RUNNING --(the rule says our node holds)----> GRANTED
 *     |  \--(withdraw: cancel, interrupt, timeout, one-shot miss)--> WITHDRAWN
 *     \----(non-retryable error, client closed)-----------------> FAILED
 * </pre>
 *
 * While RUNNING it loops: create our node and, pipelined behind it, read the queue; ask the lock's
 * {@link QueueRule} where our node stands; if it holds we hold the lock, otherwise watch the node
 * the rule names and read again when it goes. A lost connection parks the loop until Curator
 * reports a reconnection; a lost session forgets the node and starts over with a new attempt id.
 * Each round bumps {@code generation} so that replies from an abandoned round are ignored.
 *
 * <p>Collaborators: the {@link Session} it sends on, the shared {@link QueueReads}, the
 * {@link NodeJanitor} for nodes it gives up, {@link Successors} for the hand-off between leases of
 * one client, {@link QueueContainer} for a queue node the server removed, and
 * {@link KeeperFaults} for what an error code means. All state is guarded by {@code this};
 * callbacks arrive on ZooKeeper's single event thread, cancellation on the user's.
 */
final class AcquireAttempt {

    private enum State { RUNNING, GRANTED, WITHDRAWN, FAILED }

    private static final int MAX_CONTAINER_RETRIES = 10;

    final CompletableFuture<ZkLease> result = new CompletableFuture<>();

    // Only the engine and the lock are fields: the collaborators are the engine's, and an attempt
    // that waits is the per-waiter cost (10,000 pending acquireAsync calls are a benchmark row).
    private final LockEngine engine;
    private final ZkLock lock;
    private final boolean oneShot;
    private State state = State.RUNNING;
    private String attemptId;
    private boolean createSent;
    private @Nullable String node;
    private long czxid = -1;
    private int generation;
    private int containerRetries;
    /** Names of our nodes that we delete: whatever a listing says, never ours to hold again. Made on first use. */
    private java.util.@Nullable Set<String> abandoned;
    private @Nullable QueueListing pendingListing;
    private int pendingRound = -1;
    /** {@link Session#disconnects()} when the current round's queue read was sent. */
    private long epoch;
    /** The node we watch, while we wait for it to go; registered with {@link Successors}. */
    private @Nullable String watchedPath;
    /** Whether we wait, registered with {@link QueueWatches}, for the queue to change. */
    private boolean queueWatched;
    private volatile @Nullable String releasedPredecessor;
    private volatile @Nullable Waiting waiting;

    /** What {@link #predecessorReleasing} needs, published for the releasing thread. */
    private record Waiting(int round, String predecessor, String own) {
    }

    AcquireAttempt(LockEngine engine, ZkLock lock, boolean oneShot) {
        this.engine = engine;
        this.lock = lock;
        this.oneShot = oneShot;
        this.attemptId = QueueNode.newAttemptId(lock.nodeTag());
    }

    void start() {
        engine.register(this);
        if (oneShot) {
            peek();
        } else {
            enqueue();
        }
    }

    /**
     * A one-shot attempt first looks: if a node of ours joining the queue now would not hold (for a
     * mutex: if anyone is queued), it gives up without writing anything.
     */
    private synchronized void peek() {
        int round = ++generation;
        call(() -> readQueue((code, listing) -> {
            synchronized (this) {
                if (!current(round)) {
                    return;
                }
                QueuePosition newcomer = code == Code.OK && listing != null && !listing.queue().isEmpty()
                        ? lock.rule().position(QueueNode.withNewcomer(listing.queue(), lock.nodeTag()),
                                listing.queue().size())
                        : null;
                if (newcomer != null && newcomer.refusal() != null) {
                    fail(new LockException("refused '" + lock.name() + "': " + newcomer.refusal()));
                } else if (newcomer != null && !newcomer.holds()) {
                    finishWithout();
                } else if (code == Code.OK || code == Code.NONODE) {
                    noQueueOr(code, this::enqueue);
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
        engine.register(this);
        int round;
        synchronized (this) {
            // A rule that watches the queue needs its reads made with the watch: no plain read here.
            if (state != State.RUNNING || oneShot || !engine.session().isConnected() || lock.rule().watchesQueue()) {
                if (state == State.RUNNING) {
                    if (oneShot) {
                        peek();
                    } else {
                        enqueue();
                    }
                }
                return;
            }
            round = beginRound();
        }
        String lockPath = lock.path();
        try {
            sendCreate(round, lockPath);
        } catch (LockException e) {
            synchronized (this) {
                if (current(round)) {
                    stall();
                }
            }
            return;
        }
        List<String> children;
        try {
            // FIFO behind the create, as in enqueue(); its reply wakes this thread directly.
            children = engine.session().childrenNow(lockPath);
        } catch (KeeperException e) {
            listedOnCaller(round, e.code(), null);
            return;
        } catch (LockException e) {
            listedOnCaller(round, Code.CONNECTIONLOSS, null);
            return;
        }
        listedOnCaller(round, Code.OK, new QueueListing(children));
    }

    private synchronized void listedOnCaller(int round, Code code, @Nullable QueueListing listing) {
        if (!current(round)) {
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

    /** A new round that creates our node: forgets the previous node. */
    private int beginRound() {
        int round = ++generation;
        createSent = true;
        node = null;
        czxid = -1;
        epoch = engine.session().disconnects();
        return round;
    }

    private synchronized void enqueue() {
        int round = beginRound();
        String lockPath = lock.path();
        call(() -> {
            sendCreate(round, lockPath);
            // Sent before the create's reply: the session is FIFO, so this read sees our node.
            readQueue((code, listing) -> listed(round, code, listing));
        });
    }

    private void sendCreate(int round, String lockPath) {
        String id = attemptId;
        engine.session().create(QueueNode.createPath(lockPath, id), lock.nodeData(),
                CreateMode.EPHEMERAL_SEQUENTIAL, (code, name, stat) -> created(round, id, code, name, stat));
    }

    /**
     * The answer to a create made with attempt id {@code id}. The answer to an earlier round's
     * create never leads to deleting a node this attempt may still adopt: its node is abandoned
     * (never adopted again) before it is deleted, and a create that may have been applied without
     * our knowing its name is purged by id only once the id is retired. While the id is in use, the
     * attempt's next listing, read after that create, finds such a node and keeps one of its nodes.
     * (A purge by an id still in use, sent later by the janitor, deleted the node a later round had
     * just been granted: a holder lost its lease, as TAKEN_OVER, milliseconds after the grant, and
     * the next waiter held the lock meanwhile.)
     */
    private synchronized void created(int round, String id, Code code, @Nullable String name, @Nullable Stat stat) {
        if (!current(round)) {
            boolean idRetired = !id.equals(attemptId) || state == State.WITHDRAWN || state == State.FAILED;
            if (code == Code.OK && name != null) {
                abandon(name);
            } else if (KeeperFaults.isTransient(code) && idRetired) {
                // The create may have been applied: find the node by its id.
                engine.janitor().purge(lock.path(), id);
            }
            return;
        }
        if (code == Code.OK && name != null && stat != null) {
            node = QueueNode.name(name);
            czxid = stat.getCzxid();
            QueueListing listing = pendingListing;
            if (listing != null && pendingRound == round) {
                pendingListing = null;
                evaluate(listing);
            }
        } else if (code == Code.NONODE) {
            noQueueOr(code, this::createContainerAndRetry);
        } else {
            handleError(code, lock.path());
        }
    }

    private synchronized void listed(int round, Code code, @Nullable QueueListing listing) {
        if (!current(round)) {
            return;
        }
        if (code == Code.OK && listing != null) {
            evaluate(listing);
        } else if (code == Code.NONODE) {
            noQueueOr(code, this::enqueue);
        } else {
            handleError(code, lock.path());
        }
    }

    /** Finds our node in the queue, gives up duplicates, and asks the rule where we stand. */
    private void evaluate(QueueListing listing) {
        List<String> queue = listing.queue();
        int index = -1;
        for (int i : listing.positionsOf(attemptId)) {
            String child = queue.get(i);
            if (abandoned != null && abandoned.contains(child)) {
                continue; // its delete is on its way: never adopt it
            }
            if (index < 0 && (node == null || node.equals(child))) {
                index = i;
            } else {
                // a duplicate from a create whose reply was lost
                abandon(lock.path() + "/" + child);
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
        QueuePosition position = lock.rule().position(queue, index);
        String watch = position.watch();
        if (position.refusal() != null) {
            fail(new LockException("refused '" + lock.name() + "': " + position.refusal()));
        } else if (position.holds() || watch == null) {
            grantWhenTokenKnown();
        } else if (oneShot) {
            finishWithout();
        } else {
            watch(watch, position);
        }
    }

    /**
     * Waits for the node the rule named to go. When it goes we take the lock on the deletion event,
     * without reading the queue again, if the rule says its deletion makes us hold
     * ({@link QueuePosition#holdsOnceWatchedGone()}), or if it is a lease of this client that told
     * us it held before deleting its node ({@link #predecessorReleasing},
     * {@link QueuePosition#holdsOnceWatchedReleased()}). That shortcut needs two more facts, which
     * watches on one session give in order: our own node still exists (its deletion, by an
     * operator say, reaches us first, as the watch on it is sent before the predecessor's deletion
     * can reach the server), and no reconnection replayed the events in another order (any
     * disconnection since the read disables the shortcut). In every other case the waiter reads
     * the queue when its predecessor goes, as Curator's recipe does, and sends nothing more.
     */
    private void watch(String predecessor, QueuePosition position) {
        if (lock.rule().watchesQueue()) {
            // The read we evaluated set the queue's children watch; its event resyncs us.
            stopWatching();
            queueWatched = true;
            engine.queueWatches().await(lock.path(), this);
            return;
        }
        int round = generation;
        long readEpoch = epoch;
        String predecessorPath = lock.path() + "/" + predecessor;
        boolean holdsOnceGone = position.holdsOnceWatchedGone();
        stopWatching();
        watchedPath = predecessorPath;
        engine.successors().watching(predecessorPath, this);
        Watcher theirs = (WatchedEvent event) -> {
            if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
                predecessorGone(round, predecessorPath, holdsOnceGone, readEpoch);
            }
        };
        String ownPath = lock.path() + "/" + node;
        // Published only when it can help: a predecessor whose going makes us hold needs no telling.
        waiting = !holdsOnceGone && position.holdsOnceWatchedReleased()
                ? new Waiting(round, predecessorPath, ownPath) : null;
        call(() -> {
            if (holdsOnceGone) {
                watchOwnNode(round, ownPath);
            }
            engine.session().watchData(predecessorPath, theirs, (code, stat) -> {
                if (code == Code.NONODE) {
                    predecessorGone(round, predecessorPath, holdsOnceGone, readEpoch);
                } else if (code != Code.OK) {
                    synchronized (this) {
                        if (current(round)) {
                            handleError(code, predecessorPath);
                        }
                    }
                }
            });
        });
    }

    /** Watches our own node; sent before anything whose outcome the shortcut relies on. */
    private void watchOwnNode(int round, String ownPath) {
        Watcher mine = (WatchedEvent event) -> {
            if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
                resyncIfRound(round);
            }
        };
        engine.session().exists(ownPath, mine, (code, stat) -> {
            if (code != Code.OK) {
                resyncIfRound(round);
            }
        });
    }

    /**
     * A lease of this client, the node we watch, is about to delete its node, so it held the lock.
     * Called on the releasing thread before the delete is sent: the watch on our own node sent
     * here reaches the server first, on the same engine.session().
     */
    void predecessorReleasing(String path) {
        Waiting current = waiting;
        if (current == null || !current.predecessor.equals(path)) {
            return;
        }
        try {
            watchOwnNode(current.round, current.own);
        } catch (LockException e) {
            return; // no connection: the deletion will be read the usual way
        }
        releasedPredecessor = path;
    }

    private synchronized void predecessorGone(int round, String path, boolean holdsOnceGone, long readEpoch) {
        if (!current(round)) {
            engine.successors().notWatching(path, this);
            return;
        }
        stopWatching();
        boolean holds = holdsOnceGone || path.equals(releasedPredecessor);
        if (holds && readEpoch == engine.session().disconnects()) {
            grantWhenTokenKnown();
        } else {
            resync();
        }
    }

    private void stopWatching() {
        if (queueWatched) {
            queueWatched = false;
            engine.queueWatches().remove(lock.path(), this);
        }
        waiting = null;
        String watched = watchedPath;
        if (watched != null) {
            engine.successors().notWatching(watched, this);
            watchedPath = null;
        }
    }

    /** The token is the czxid; it is unknown only if we adopted our node after a lost create reply. */
    private void grantWhenTokenKnown() {
        if (czxid >= 0) {
            grant();
            return;
        }
        int round = generation;
        call(() -> engine.session().exists(lock.path() + "/" + node, null, (code, stat) -> {
            synchronized (this) {
                if (!current(round)) {
                    return;
                }
                if (code == Code.OK && stat != null) {
                    czxid = stat.getCzxid();
                    grant();
                } else {
                    resync();
                }
            }
        }));
    }

    private void grant() {
        if (engine.options().lossPolicy() == LossPolicy.SUSPENDED && !engine.session().isConnected()) {
            // The reply raced a disconnection that the connection listener has already handled;
            // granting now would hand out a lease nobody will declare lost. Ask again later.
            stall();
            return;
        }
        SessionClock clock;
        try {
            clock = engine.session().clock();
        } catch (LockException e) {
            stall(); // no handle: closing (the engine fails us) or between sessions
            return;
        }
        if (clock.isPast()) {
            // A grant on a watch event, after the session went unanswered past its deadline: the
            // lease would be born lost. A read of the queue moves the clock, or finds us out.
            resync();
            return;
        }
        state = State.GRANTED;
        stopWatching();
        engine.unregister(this);
        ZkLease lease = engine.newLease(lock.name(), lock.path() + "/" + node, czxid, clock);
        if (lease == null) {
            result.completeExceptionally(new LockException("the lock client was closed while the request waited"));
        } else if (!result.complete(lease)) {
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
        engine.unregister(this);
        cleanUp();
    }

    /** Ends the request with an error, withdrawing its node. */
    synchronized void fail(RuntimeException error) {
        if (state != State.RUNNING) {
            return;
        }
        state = State.FAILED;
        generation++;
        engine.unregister(this);
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
        attemptId = QueueNode.newAttemptId(lock.nodeTag());
        abandoned = null; // names of the retired id, which no listing will match again
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
        epoch = engine.session().disconnects();
        call(() -> readQueue((code, listing) -> listed(round, code, listing)));
    }

    /** The queue this attempt waits in changed (its rule watches the queue): read it again. */
    synchronized void queueChanged() {
        if (queueWatched) {
            queueWatched = false;
            resync();
        }
    }

    /** Reads the queue, shared with this client's other attempts; with the children watch if the rule wants it. */
    private void readQueue(QueueReads.Reader reader) {
        engine.queueReads().read(lock.path(), lock.rule().watchesQueue() ? engine.queueWatches().watcher() : null,
                reader);
    }

    private synchronized void resyncIfRound(int round) {
        if (round == generation) {
            resync();
        }
    }

    /** Test hook: the late answer to a create sent with {@code id} in an earlier round, as the event thread delivers it. */
    void lateCreateAnswer(String id, Code code) {
        created(-1, id, code, null, null);
    }

    /** Test hook: the id our nodes are created with now. */
    synchronized String attemptId() {
        return attemptId;
    }

    /** Gives up our node at {@code path} for good: it is deleted and never adopted again. */
    private void abandon(String path) {
        if (abandoned == null) {
            abandoned = new java.util.HashSet<>();
        }
        abandoned.add(QueueNode.name(path));
        engine.janitor().delete(path);
    }

    private boolean current(int round) {
        return round == generation && state == State.RUNNING;
    }

    private void cleanUp() {
        stopWatching();
        if (node != null) {
            engine.janitor().delete(lock.path() + "/" + node);
        } else if (createSent) {
            engine.janitor().purge(lock.path(), attemptId);
        }
    }

    /**
     * When {@code code} says the queue node is missing (NONODE) and the queue belongs to the
     * caller, it is not ours to create: the request fails. Otherwise {@code otherwise} runs.
     */
    private void noQueueOr(Code code, Runnable otherwise) {
        if (code == Code.NONODE && lock.callerOwnsQueue()) {
            fail(new LockException("the queue node " + lock.path() + " does not exist; it belongs to the caller,"
                    + " so Baton does not create it", KeeperException.create(Code.NONODE, lock.path())));
        } else {
            otherwise.run();
        }
    }

    private void createContainerAndRetry() {
        if (++containerRetries > MAX_CONTAINER_RETRIES) {
            fail(new LockException("cannot create the queue node " + lock.path()
                    + ": its parent keeps disappearing; was " + engine.options().locksPath() + " deleted?"));
            return;
        }
        int round = ++generation;
        call(() -> engine.queueContainer().recreate(lock.path(), new QueueContainer.Outcome() {
            @Override
            public void ready() {
                synchronized (AcquireAttempt.this) {
                    if (current(round)) {
                        enqueue();
                    }
                }
            }

            @Override
            public void refused(Code code, String path) {
                synchronized (AcquireAttempt.this) {
                    if (current(round)) {
                        handleError(code, path);
                    }
                }
            }

            @Override
            public void failed(LockException error) {
                fail(error);
            }
        }));
    }

    /** One place decides what an error means for the request: {@link KeeperFaults}. */
    private void handleError(Code code, String path) {
        switch (KeeperFaults.classify(code)) {
            case CONNECTION:
            case SESSION:
                if (!oneShot) {
                    stall();
                } else {
                    fail(new LockException("lost the ZooKeeper connection during a single tryAcquire attempt on '"
                            + lock.name() + "'", KeeperException.create(code, path)));
                }
                break;
            case AUTH:
                fail(new LockException("not authorized to queue for lock '" + lock.name() + "' at " + path
                        + ": the node's ACL belongs to other credentials; check baton.zookeeper.auth",
                        KeeperException.create(code, path)));
                break;
            default:
                fail(new LockException("ZooKeeper refused a request for lock '" + lock.name() + "': " + code,
                        KeeperException.create(code, path)));
        }
    }

    /** Waits for the connection listener's resync; a timer covers a reconnection that already happened. */
    private void stall() {
        int round = ++generation;
        engine.schedule(() -> {
            if (engine.session().isConnected()) {
                resyncIfRound(round);
            }
        }, 500);
    }

    /** Sends a request; without a connection, fails once the client is closed and waits otherwise. */
    private void call(Runnable send) {
        try {
            send.run();
        } catch (LockException e) {
            if (engine.isShutDown()) {
                fail(e);
            } else {
                stall();
            }
        }
    }
}
