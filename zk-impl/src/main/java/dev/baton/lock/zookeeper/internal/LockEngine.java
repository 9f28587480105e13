package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.CoordinationInfo;
import dev.baton.lock.DistributedLock;
import dev.baton.lock.DistributedSemaphore;
import dev.baton.lock.LeaderElection;
import dev.baton.lock.ReadWriteLock;
import dev.baton.lock.spi.Recipes;
import dev.baton.lock.Lease;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockNames;
import dev.baton.lock.LossReason;
import dev.baton.lock.spi.lifecycle.AbstractService;
import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import dev.baton.lock.zookeeper.LossPolicy;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.CreateOptions;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ZooKeeper lock engine behind {@code ZooKeeperLockClient} and {@code CallerQueues}: one
 * Curator client (one session) shared by all its locks, the registry of pending requests and held
 * leases, the connection listener that tells them about suspensions, losses and reconnections,
 * and the callback thread on which users' futures complete. Its lifecycle is an
 * {@link AbstractService}: {@code RUNNING} once the root nodes exist, {@code TERMINATED} on close.
 *
 * <p>Locks are built from a queue path and a {@link QueueRule} ({@link #lock(String, String,
 * QueueRule, String, boolean)}): recipes other than the mutex plug in there.
 *
 * <p>Not part of Baton's API (its package is not exported): it may change in any release.
 * Thread-safe.
 */
public final class LockEngine extends AbstractService {

    private static final Logger LOG = LoggerFactory.getLogger(LockEngine.class);
    private static final AtomicInteger ENGINES = new AtomicInteger();
    private static final long CLOSE_WAIT_SECONDS = 5;

    private final CuratorFramework curator;
    private final ZooKeeperLockOptions options;
    private final boolean ownsCurator;
    private final byte[] holderData;
    private final ServiceExecutor callbacks;
    private final CuratorSession session;
    private final Set<AcquireAttempt> attempts = ConcurrentHashMap.newKeySet();
    private final Set<ZkLease> leases = ConcurrentHashMap.newKeySet();
    private final NodeJanitor janitor;
    private final QueueReads queueReads;
    private final Successors successors = new Successors();
    private final QueueWatches queueWatches = new QueueWatches();
    private final Set<ElectionObserver> observers = ConcurrentHashMap.newKeySet();
    private final QueueContainer queueContainer;
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private final LongSupplier ticker;
    private final SessionKeeper keeper;

    private LockEngine(CuratorFramework curator, ZooKeeperLockOptions options, boolean ownsCurator,
            LongSupplier ticker) {
        super("lock client");
        this.curator = curator;
        this.options = options;
        this.ownsCurator = ownsCurator;
        this.ticker = ticker;
        this.holderData = ManagementFactory.getRuntimeMXBean().getName().getBytes(StandardCharsets.UTF_8);
        this.callbacks = ServiceExecutor.scheduled("baton-zookeeper-callbacks-" + ENGINES.incrementAndGet(), 1);
        this.session = new CuratorSession(curator, options.acl(), ticker);
        this.keeper = new SessionKeeper(this, session, options.rootPath());
        this.janitor = new NodeJanitor(this, session);
        this.queueReads = new QueueReads(session, this);
        this.queueContainer = new QueueContainer(this, session);
    }

    /**
     * An engine on {@code curator}, running: the root nodes exist.
     *
     * @param ownsCurator whether closing the engine closes {@code curator}
     * @throws NullPointerException if an argument is null
     * @throws IllegalStateException if {@code curator} was not started
     * @throws LockException if the root nodes cannot be created (unreachable, or not authorized)
     */
    public static LockEngine start(CuratorFramework curator, ZooKeeperLockOptions options, boolean ownsCurator) {
        return start(curator, options, ownsCurator, System::nanoTime);
    }

    /** As {@link #start(CuratorFramework, ZooKeeperLockOptions, boolean)}, on {@code ticker}'s time: for tests that move time. */
    static LockEngine start(CuratorFramework curator, ZooKeeperLockOptions options, boolean ownsCurator,
            LongSupplier ticker) {
        Objects.requireNonNull(curator, "curator");
        Objects.requireNonNull(options, "options");
        if (curator.getState() != CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("the Curator client must be started before Baton uses it");
        }
        LockEngine engine = new LockEngine(curator, options, ownsCurator, Objects.requireNonNull(ticker, "ticker"));
        engine.start();
        return engine;
    }

    @Override
    protected void doStart() {
        ensurePath(options.rootPath());
        ensurePath(options.locksPath());
        curator.getConnectionStateListenable().addListener(connectionListener);
        session.start();
    }

    /**
     * Fails pending requests, ends held leases ({@link LossReason#CLIENT_CLOSED}) and deletes their
     * nodes; closes Curator if the engine owns it, else waits (at most 5 s) for the deletes.
     */
    @Override
    protected void doStop() {
        curator.getConnectionStateListenable().removeListener(connectionListener);
        session.stop();
        keeper.stop();
        LockException closedError = new LockException("the lock client was closed while the request waited");
        for (AcquireAttempt attempt : attempts) {
            attempt.fail(closedError);
        }
        List<CompletableFuture<Void>> deletes = new ArrayList<>();
        for (ZkLease lease : leases) {
            deletes.add(lease.markLost(LossReason.CLIENT_CLOSED));
        }
        observers.forEach(ElectionObserver::close);
        if (ownsCurator) {
            curator.close();
        } else {
            awaitQuietly(CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new)));
        }
        callbacks.shutdown();
    }

    // ------------------------------------------------------------------ locks

    /**
     * The named lock {@code name}: a mutex whose queue is a container under
     * {@code <root>/locks}, created on demand.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid lock name
     * @throws IllegalStateException if the engine is closed
     */
    public DistributedLock lock(String name) {
        String encoded = LockNames.encode(name);
        checkRunning();
        return new ZkLock(this, name, options.locksPath() + "/" + encoded, QueueKind.NAMED_MUTEX);
    }

    /**
     * A lock on the queue at {@code queuePath} under {@code rule}: the extension point for recipes
     * (a read-write lock, a semaphore, leader election). Its nodes carry {@code nodeTag} in their
     * attempt ids ({@link QueueNode#tagOf}) so that the rule can tell them apart.
     *
     * @param name the name {@link DistributedLock#name()} and {@link Lease#lockName()} report
     * @param callerOwnsQueue whether the queue node belongs to the caller: then it is never created,
     *     and a request on a missing queue fails; otherwise it is a container created on demand
     * @throws IllegalArgumentException if {@code nodeTag} is not lower-case letters
     * @throws IllegalStateException if the engine is closed
     */
    public DistributedLock lock(String name, String queuePath, QueueRule rule, String nodeTag, boolean callerOwnsQueue) {
        return lock(name, queuePath, new QueueKind(rule, nodeTag, callerOwnsQueue), null);
    }

    /**
     * As {@link #lock(String, String, QueueRule, String, boolean)} on a named queue (a container
     * Baton creates), whose nodes hold {@code nodeData} instead of the client's {@code pid@host}:
     * an election publishes its candidates' payloads so.
     */
    public DistributedLock lock(String name, String queuePath, QueueRule rule, String nodeTag, byte[] nodeData) {
        return lock(name, queuePath, new QueueKind(rule, nodeTag, false), Objects.requireNonNull(nodeData, "nodeData"));
    }

    private DistributedLock lock(String name, String queuePath, QueueKind kind, byte @Nullable [] nodeData) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(queuePath, "queuePath");
        QueueNode.newAttemptId(kind.nodeTag());
        checkRunning();
        return new ZkLock(this, name, queuePath, kind, nodeData);
    }

    /**
     * A mutex on a queue node the caller owns; see {@code CallerQueues#lockAt}.
     *
     * @throws IllegalArgumentException if {@code queuePath} is not a valid queue path
     * @throws IllegalStateException if the engine is closed
     */
    public DistributedLock lockAt(String queuePath) {
        checkQueuePath(queuePath);
        checkRunning();
        return new ZkLock(this, queuePath, queuePath, QueueKind.CALLER_MUTEX);
    }

    /**
     * The read-write lock {@code name}: readers and writers in one queue under
     * {@code <root>/rwlocks}, told apart by their nodes' tags ({@link ReadWriteRule}).
     *
     * @throws IllegalArgumentException if {@code name} is not a valid lock name
     * @throws IllegalStateException if the engine is closed
     */
    public ReadWriteLock readWriteLock(String name) {
        String path = options.readWriteLocksPath() + "/" + LockNames.encode(name);
        checkRunning();
        return Recipes.readWriteLock(name, new ZkLock(this, name, path, QueueKind.READER),
                new ZkLock(this, name, path, QueueKind.WRITER));
    }

    /**
     * The semaphore {@code name} of {@code permits} permits: a queue under {@code <root>/semaphores}
     * whose first {@code permits} nodes hold ({@link SemaphoreRule}).
     *
     * @throws IllegalArgumentException if {@code name} is not a valid lock name or {@code permits} &lt; 1
     * @throws IllegalStateException if the engine is closed
     */
    public DistributedSemaphore semaphore(String name, int permits) {
        Recipes.checkSemaphore(name, permits);
        String path = options.semaphoresPath() + "/" + LockNames.encode(name);
        checkRunning();
        SemaphoreRule rule = new SemaphoreRule(permits);
        return Recipes.semaphore(name, permits, new ZkLock(this, name, path, new QueueKind(rule, rule.tag(), false)));
    }

    /**
     * The election {@code name}: a queue of candidates under {@code <root>/elections}, each node
     * holding its candidate's payload; the head leads.
     *
     * @throws IllegalArgumentException if {@code name} is not a valid lock name
     * @throws IllegalStateException if the engine is closed
     */
    public LeaderElection election(String name) {
        String path = options.electionsPath() + "/" + LockNames.encode(name);
        checkRunning();
        return new ZkElection(this, name, path, "");
    }

    /** The candidate lock of an election: a mutex whose nodes hold {@code payload}. */
    DistributedLock candidate(String name, String path, byte[] payload) {
        checkRunning();
        return new ZkLock(this, name, path, QueueKind.NAMED_MUTEX, payload);
    }

    /** Observers of elections, refreshed on every reconnection (watches do not outlive a session). */
    void addObserver(ElectionObserver observer) {
        observers.add(observer);
        if (isShutDown()) {
            observers.remove(observer);
            observer.close();
        }
    }

    void removeObserver(ElectionObserver observer) {
        observers.remove(observer);
    }

    /** The read-write locks, semaphores and elections held now, for operators. Blocking. */
    public List<CoordinationInfo> coordination(String namePrefix) {
        checkRunning();
        return new RecipeInspector(curator, options).list(namePrefix);
    }

    /** The locks under {@code <root>/locks} held now, for operators. Blocking. */
    public List<LockInfo> heldLocks(String namePrefix) {
        checkRunning();
        return new LockInspector(curator, options.locksPath()).heldLocks(namePrefix);
    }

    // ------------------------------------------------------------------ leases in the caller's multi

    /**
     * A lease the caller queues in its own multi on {@code queuePath}; nothing is sent here.
     *
     * @throws IllegalArgumentException if {@code queuePath} is not a valid queue path
     * @throws IllegalStateException if the engine is closed
     */
    public CallerLease callerLease(String queuePath) {
        checkQueuePath(queuePath);
        checkRunning();
        return new CallerLease(this, queuePath);
    }

    /**
     * The create of an attempt's queue node under {@code queuePath}, for the caller's multi. It is
     * a {@code create2} (ZooKeeper 3.5+), whose result in the multi's reply carries the node's
     * stat: {@link #adoptCreated} takes the fencing token from it instead of reading it.
     */
    Op createOp(String queuePath, String attemptId) {
        return Op.create(QueueNode.createPath(queuePath, attemptId), holderData,
                CreateOptions.newBuilder(options.acl(), CreateMode.EPHEMERAL_SEQUENTIAL).build());
    }

    /**
     * Takes the node {@link #createOp} made as a held lease from the multi's own results, with no
     * read, when they show both that the multi created the queue node itself (so the lease's node
     * is its only child, at the head) and the lease's node with its stat (its {@code czxid}, the
     * fencing token).
     *
     * @return the lease, or null if the results do not show both, or if this client's session
     *     clock has no answer recent enough to vouch for the session (the caller then reads, as
     *     {@link #adoptAsync} does, which also answers the clock)
     * @throws LockException if the engine is closed, or the connection dropped (with the
     *     {@code suspended} policy): the node is then deleted, after reconnection if need be
     */
    @Nullable Lease adoptCreated(String queuePath, String attemptId, List<OpResult> results) {
        boolean queueCreated = false;
        String mine = null;
        Stat stat = null;
        String prefix = queuePath + "/";
        for (OpResult result : results) {
            if (!(result instanceof OpResult.CreateResult)) {
                continue;
            }
            OpResult.CreateResult created = (OpResult.CreateResult) result;
            String path = created.getPath();
            if (queuePath.equals(path)) {
                queueCreated = true;
            } else if (path != null && path.startsWith(prefix) && path.indexOf('/', prefix.length()) < 0
                    && QueueNode.belongsTo(path.substring(prefix.length()), attemptId)) {
                mine = path;
                stat = created.getStat();
            }
        }
        if (!queueCreated || mine == null || stat == null) {
            return null;
        }
        long sessionId;
        try {
            sessionId = session.sessionId();
        } catch (RuntimeException e) {
            return null; // disconnected: the reads decide (and give the node up if they fail)
        }
        if (stat.getEphemeralOwner() != sessionId || session.clock().isPast()) {
            // Another session's node (this client's session changed since the multi), or a clock
            // with no recent answer: the multi's reply went to the caller, not through this
            // client, so only a read here can vouch for the session (at first, after a quiet spell).
            return null;
        }
        return adopted(queuePath, mine, stat.getCzxid());
    }

    /**
     * Takes the node {@link #createOp} made as a held lease, if it heads its queue; gives it up
     * otherwise. Blocking: two reads.
     *
     * @return the lease; empty if the node does not exist or does not head the queue
     * @throws LockException if ZooKeeper cannot be asked, the connection dropped (with the
     *     {@code suspended} policy), or the engine is closed; the node is then deleted
     */
    Optional<Lease> adopt(String queuePath, String attemptId) {
        if (isShutDown()) {
            throw new LockException("the lock client is closed; cannot adopt a node under " + queuePath);
        }
        try {
            String mine = headOf(queuePath, attemptId, session.childrenNow(queuePath));
            if (mine == null) {
                return Optional.empty();
            }
            Stat stat = session.existsNow(mine);
            return stat == null ? Optional.empty() : Optional.of(adopted(queuePath, mine, stat.getCzxid()));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (KeeperException e) {
            janitor.purge(queuePath, attemptId);
            throw new LockException("cannot adopt the queue node under " + queuePath + ": " + e.code(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            janitor.purge(queuePath, attemptId);
            throw new LockException("interrupted while adopting the queue node under " + queuePath, e);
        }
    }

    /**
     * As {@link #adopt}, with no thread waiting: the same two reads, sent asynchronously; the
     * future completes on ZooKeeper's event thread, exceptionally with a {@link LockException}
     * where {@link #adopt} would throw one.
     */
    CompletableFuture<Optional<Lease>> adoptAsync(String queuePath, String attemptId) {
        CompletableFuture<Optional<Lease>> answer = new CompletableFuture<>();
        if (isShutDown()) {
            answer.completeExceptionally(new LockException("the lock client is closed; cannot adopt a node under "
                    + queuePath));
            return answer;
        }
        try {
            session.children(queuePath, (code, children) -> {
                try {
                    if (code == KeeperException.Code.NONODE) {
                        answer.complete(Optional.empty());
                        return;
                    }
                    if (code != KeeperException.Code.OK || children == null) {
                        failAdoption(answer, queuePath, attemptId, code);
                        return;
                    }
                    String mine = headOf(queuePath, attemptId, children);
                    if (mine == null) {
                        answer.complete(Optional.empty());
                        return;
                    }
                    session.exists(mine, null, (found, stat) -> {
                        try {
                            if (found == KeeperException.Code.NONODE || found == KeeperException.Code.OK && stat == null) {
                                answer.complete(Optional.empty());
                            } else if (found != KeeperException.Code.OK || stat == null) {
                                failAdoption(answer, queuePath, attemptId, found);
                            } else {
                                answer.complete(Optional.of(adopted(queuePath, mine, stat.getCzxid())));
                            }
                        } catch (RuntimeException e) {
                            answer.completeExceptionally(e);
                        }
                    });
                } catch (RuntimeException e) {
                    answer.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
        }
        return answer;
    }

    private void failAdoption(CompletableFuture<Optional<Lease>> answer, String queuePath, String attemptId,
            KeeperException.Code code) {
        janitor.purge(queuePath, attemptId);
        answer.completeExceptionally(new LockException("cannot adopt the queue node under " + queuePath + ": " + code,
                KeeperException.create(code, queuePath)));
    }

    /** Our node's full path if it heads the queue; null (after giving it up) if it exists elsewhere in it. */
    private @Nullable String headOf(String queuePath, String attemptId, List<String> children) {
        List<String> queue = QueueNode.ordered(children);
        String mine = null;
        for (String child : queue) {
            if (!QueueNode.belongsTo(child, attemptId)) {
                continue;
            }
            if (mine == null) {
                mine = child;
            } else {
                janitor.delete(queuePath + "/" + child);
            }
        }
        if (mine != null && !queue.get(0).equals(mine)) {
            janitor.delete(queuePath + "/" + mine);
            return null;
        }
        return mine == null ? null : queuePath + "/" + mine;
    }

    private Lease adopted(String queuePath, String path, long czxid) {
        ZkLease lease = newLease(queuePath, path, czxid, session.clock());
        if (lease == null) {
            throw new LockException("the lock client was closed while adopting " + path);
        }
        // Registered first, checked second: a disconnection reported after this check reaches the
        // lease through the connection listener; one reported before it is caught here.
        if (options.lossPolicy() == LossPolicy.SUSPENDED && !session.isConnected()) {
            lease.markLost(LossReason.CONNECTION_SUSPENDED);
            throw new LockException("the ZooKeeper connection dropped while adopting " + path
                    + "; the node is deleted when it returns");
        }
        return lease;
    }

    /**
     * The delete of {@code lease}'s node for the caller's multi; from now on the node's deletion
     * is that release, not a loss.
     *
     * @throws IllegalArgumentException if {@code lease} was not granted by this engine
     * @throws IllegalStateException if it has ended already
     */
    public Op releaseOp(Lease lease) {
        ZkLease mine = own(lease);
        if (!mine.isValid()) {
            throw new IllegalStateException("the lease on '" + mine.lockName() + "' has ended already;"
                    + " its node is not ours to delete any more");
        }
        mine.expectReleaseByCaller();
        return Op.delete(mine.path(), -1);
    }

    /**
     * Ends {@code lease} as released, deleting nothing: the caller's multi deleted its node.
     * Idempotent.
     *
     * @throws IllegalArgumentException if {@code lease} was not granted by this engine
     */
    public void markReleased(Lease lease) {
        own(lease).markReleasedByCaller();
    }

    private ZkLease own(Lease lease) {
        Objects.requireNonNull(lease, "lease");
        if (!(lease instanceof ZkLease) || ((ZkLease) lease).engine() != this) {
            throw new IllegalArgumentException("not a lease granted by this lock client: " + lease);
        }
        return (ZkLease) lease;
    }

    /** Whether {@code childName} is one of Baton's queue nodes rather than a foreign child. */
    public static boolean isQueueNode(String childName) {
        return QueueNode.isQueueNode(Objects.requireNonNull(childName, "childName"));
    }

    /**
     * Checks a queue path the caller owns.
     *
     * @throws NullPointerException if it is null
     * @throws IllegalArgumentException if it is not a valid ZooKeeper path, is {@code /}, or is
     *     under {@code /zookeeper}
     */
    public static void checkQueuePath(String queuePath) {
        Objects.requireNonNull(queuePath, "queuePath");
        PathUtils.validatePath(queuePath);
        if (queuePath.equals("/") || queuePath.equals("/zookeeper") || queuePath.startsWith("/zookeeper/")) {
            throw new IllegalArgumentException("a queue path must be below / and outside /zookeeper: '" + queuePath + "'");
        }
    }

    // ------------------------------------------------------------------ accessors

    /** The Curator client underneath. */
    public CuratorFramework curator() {
        return curator;
    }

    /** The options the engine was built with. */
    public ZooKeeperLockOptions options() {
        return options;
    }

    /** Whether the connection is up now. */
    public boolean isConnected() {
        return session.isConnected();
    }

    /**
     * The id of the current session.
     *
     * @throws LockException if there is no connection
     */
    public long sessionId() {
        return session.sessionId();
    }

    /** Queue reads sent so far, for tests of the shared reads. */
    public long queueReadsSent() {
        return queueReads.sent();
    }

    /** Whether the janitor has nothing left to retry, for tests. */
    public boolean isJanitorIdle() {
        return janitor.isIdle();
    }

    Session session() {
        return session;
    }

    QueueReads queueReads() {
        return queueReads;
    }

    NodeJanitor janitor() {
        return janitor;
    }

    Successors successors() {
        return successors;
    }

    QueueWatches queueWatches() {
        return queueWatches;
    }

    QueueContainer queueContainer() {
        return queueContainer;
    }

    byte[] holderData() {
        return holderData;
    }

    /** Runs user-visible completions off ZooKeeper's event thread; inline once the engine is closed. */
    void deliver(Runnable completion) {
        callbacks.executeOrRun(completion);
    }

    /**
     * Runs a protocol timer (the janitor's retry, a stalled acquire's resync) after
     * {@code delayMillis}, on the session keeper's thread: on the callback thread, a user blocking
     * in a dependent stage would hold back the clean-up and the acquires behind it.
     */
    void schedule(Runnable task, long delayMillis) {
        keeper.schedule(task, delayMillis);
    }

    void register(AcquireAttempt attempt) {
        attempts.add(attempt);
        if (isShutDown()) {
            attempt.fail(new LockException("this lock client is closed"));
        } else {
            // A grant on a watch event rests on the session's clock, which only answers move.
            keeper.keep(null);
        }
    }

    void unregister(AcquireAttempt attempt) {
        attempts.remove(attempt);
    }

    /**
     * A held lease on the node at {@code path}, registered so that closing and connection events
     * reach it; null if the engine closed meanwhile, in which case the node is deleted.
     *
     * @param clock the clock of the session that owns the node
     */
    @Nullable ZkLease newLease(String lockName, String path, long czxid, SessionClock clock) {
        ZkLease lease = new ZkLease(this, lockName, path, czxid, clock);
        leases.add(lease);
        if (isShutDown()) {
            leases.remove(lease);
            janitor.delete(path);
            return null;
        }
        keeper.keep(clock);
        return lease;
    }

    /** The leases held now. */
    Iterable<ZkLease> leases() {
        return leases;
    }

    /** Whether anything rests on the session's clock: a lease held, or a request waiting. */
    boolean keepsSessions() {
        return !leases.isEmpty() || !attempts.isEmpty();
    }

    /** Now, on the engine's monotonic ticker (nanoseconds). */
    long now() {
        return ticker.getAsLong();
    }

    void unregister(ZkLease lease) {
        leases.remove(lease);
    }

    /** Creates a persistent node with the engine's ACL unless it exists. Blocking: not for the event thread. */
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
                observers.forEach(ElectionObserver::refresh);
                break;
            default:
                break;
        }
    }

    private static void awaitQuietly(CompletableFuture<?> future) {
        try {
            future.get(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.debug("gave up waiting for lock nodes to be deleted on close", e);
        }
    }
}
