package dev.baton.txn.internal.protocol;

import dev.baton.lock.spi.lifecycle.AbstractService;
import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.txn.TxnListener;
import dev.baton.txn.internal.store.StartSteps;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One coordinator instance, as a service ({@link AbstractService}: started once, stopped once):
 * the store, the queues its driver leases live in, its threads, the history keeper, the map of known
 * transactions, and the scan of {@code txn/} that finds transactions begun elsewhere. Every
 * transaction under {@code txn/} has one {@link TxnDriver} here; only one that holds its driver
 * lease acts on it, the others only watch.
 */
public final class CoordinatorCore extends AbstractService {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorCore.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    public final TxnStore store;
    public final CallerQueues locks;
    public final HistoryKeeper keeper;
    public final Clock clock;
    public final String instanceId;
    public final StepListener steps;
    /** The user's listener, safe to call. */
    public final TxnListener listener;
    private final ServiceExecutor executor;
    private final ServiceExecutor callbacks;
    private final ConcurrentMap<String, TxnDriver> drivers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> problems = new ConcurrentHashMap<>();
    private final AtomicBoolean scanQueued = new AtomicBoolean();
    private final Watcher scanWatcher = event -> scheduleScan();
    private final Watcher txnWatcher = this::txnEvent;
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    /**
     * The persistent recursive watch on {@code txn/} is in place for the current session: new
     * transactions, votes, decisions, acks and lease nodes arrive as events, and a transaction
     * this instance learns of from then on needs no read to follow it. Zero while there is none
     * (before start, on a server older than 3.6); otherwise the session it was added on.
     */
    private volatile long eventsSession;

    /**
     * @param locks the queues for driver leases; closed with this core
     * @param threads the threads evaluating transactions (their I/O waits on no thread)
     */
    public CoordinatorCore(TxnStore store, CallerQueues locks, Duration idleTrim, Clock clock, StepListener steps,
            int threads, TxnListener listener) {
        super("transaction coordinator");
        this.listener = SafeListener.of(listener);
        this.store = store;
        this.locks = locks;
        this.clock = clock;
        this.steps = steps;
        int number = INSTANCES.incrementAndGet();
        this.instanceId = java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "#" + number;
        this.executor = ServiceExecutor.scheduled("baton-txn-coordinator-" + number, threads);
        this.callbacks = ServiceExecutor.single("baton-txn-callbacks-" + number);
        this.keeper = new HistoryKeeper(this, idleTrim);
    }

    /** Creates the namespace, starts watching {@code txn/} and picks up every transaction already there. */
    @Override
    protected void doStart() throws Exception {
        StartSteps steps = new StartSteps(store.curator(), TimeUnit.MINUTES.toMillis(2));
        steps.run(store::ensureNamespace);
        steps.run(store::ensureTransactions);
        steps.run(this::watchTransactions);
        store.curator().getConnectionStateListenable().addListener(connectionListener);
        steps.run(keeper::start);
        steps.run(this::scan);
    }

    /** Adds the watch on {@code txn/} for the current session (a new session has none). */
    private CompletableFuture<Void> watchTransactions() {
        long session = store.sessionId();
        return store.watchTransactions(txnWatcher).thenAccept(supported -> eventsSession = supported ? session : 0);
    }

    /** Whether the watch on {@code txn/} tells every change now. */
    public boolean eventsActive() {
        long session = eventsSession;
        return session != 0 && session == store.sessionId();
    }

    /** On ZooKeeper's event thread: a node under {@code txn/} was created, deleted or changed. */
    private void txnEvent(WatchedEvent event) {
        TxnStore.TxnPath path = store.txnPath(event.getPath());
        if (path == null || isClosed()) {
            return;
        }
        if (path.kind() == TxnStore.NodeKind.RECORD && event.getType() == Watcher.Event.EventType.NodeCreated) {
            if (!drivers.containsKey(path.txnId()) && eventsActive()) {
                follow(List.of(path.txnId()), true);
            }
            return;
        }
        TxnDriver driver = drivers.get(path.txnId());
        if (driver != null) {
            driver.seen(path, event.getType());
        }
    }

    /**
     * Callers still waiting get an {@code OutcomeUnknownException}; the driver leases this
     * instance holds are released so that another instance takes the transactions over at once.
     * Closes the queues (and with them the ZooKeeper connection, if they own it).
     */
    @Override
    protected void doStop() {
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        if (eventsSession != 0) {
            store.unwatchTransactions(txnWatcher);
        }
        executor.shutdownNow();
        for (TxnDriver driver : drivers.values()) {
            driver.close();
        }
        drivers.clear();
        keeper.close();
        locks.close();
        callbacks.shutdown();
    }

    public boolean isClosed() {
        return isShutDown();
    }

    /** The executor of this instance's tasks. */
    public ServiceExecutor executor() {
        return executor;
    }

    public void execute(Runnable task) {
        if (!executor.execute(task)) {
            LOG.debug("coordinator closed; dropping a task");
        }
    }

    public @Nullable ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        return executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes a caller's future off the protocol threads, so a slow dependent stage cannot stall
     * them; an {@link Awaited} one in place, which only wakes its caller.
     */
    public <T> void deliver(CompletableFuture<T> future, @Nullable T value, @Nullable Throwable error) {
        Runnable completion = () -> {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(value);
            }
        };
        if (future instanceof Awaited) {
            completion.run();
        } else {
            callbacks.executeOrRun(completion);
        }
    }

    /**
     * The future of a synchronous {@code commit()}: only the committing thread waits on it and it
     * never escapes, so no dependent stage can run on the thread that completes it.
     */
    public static final class Awaited<T> extends CompletableFuture<T> {
    }

    public void step(StepListener.Step step, String txnId) {
        steps.reached(step, txnId);
    }

    /** Records a problem with a transaction's nodes once, so it is reported, never retried in a loop. */
    public void report(String txnId, String problem) {
        if (problems.putIfAbsent(txnId, problem) == null) {
            LOG.warn("transaction {} cannot be processed and is left as it is: {}", txnId, problem);
        }
    }

    public Map<String, String> problems() {
        return new TreeMap<>(problems);
    }

    /** Registers the driver of a transaction this instance begins, before the begin is written. */
    public void adopt(TxnDriver driver) {
        drivers.put(driver.txnId, driver);
    }

    public void forget(TxnDriver driver) {
        drivers.remove(driver.txnId, driver);
    }

    /** The driver lease's token of {@code txnId} while this instance holds it, else -1. */
    public long driverToken(String txnId) {
        TxnDriver driver = drivers.get(txnId);
        return driver == null ? -1 : driver.leaseToken();
    }

    public int knownTransactions() {
        return drivers.size();
    }

    private void scheduleScan() {
        if (scanQueued.compareAndSet(false, true)) {
            execute(() -> {
                scanQueued.set(false);
                scan().exceptionally(failure -> {
                    if (!isClosed() && store.usable()) {
                        LOG.debug("scan of the transactions failed; retrying", failure);
                        schedule(this::scheduleScan, 500);
                    }
                    return null;
                });
            });
        }
    }

    /**
     * Lists {@code txn/} and starts following every transaction not yet known: watching the
     * listing, unless the watch on {@code txn/} tells of new transactions (then it runs only at start
     * and after a reconnection).
     */
    private CompletableFuture<Void> scan() {
        if (isClosed()) {
            return CompletableFuture.completedFuture(null);
        }
        return store.transactions(eventsActive() ? null : scanWatcher).thenCompose(ids -> {
            if (ids == null) {
                return store.ensureTransactions().thenRun(this::scheduleScan);
            }
            follow(ids, false);
            return CompletableFuture.completedFuture(null);
        });
    }

    /** @param fromEvent learnt of by the watch on {@code txn/}, which will tell every later change */
    private void follow(List<String> ids, boolean fromEvent) {
        if (!fromEvent) {
            problems.keySet().retainAll(ids); // a listing: the problems of transactions gone are forgotten
        }
        for (String id : ids) {
            if (drivers.containsKey(id) || problems.containsKey(id)) {
                continue;
            }
            if (!TxnNames.isTxnId(id)) {
                report(id, "'" + id + "' under the transactions is not a transaction created by Baton (foreign node)");
                continue;
            }
            TxnDriver driver = new TxnDriver(this, id, null, null);
            if (fromEvent) {
                driver.trustEvents();
            }
            if (drivers.putIfAbsent(id, driver) == null) {
                driver.schedule();
            }
        }
    }

    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
            // Events may have been missed while disconnected: every transaction known now is read.
            drivers.values().forEach(TxnDriver::eventsMissed);
            CompletableFuture<Void> watched = eventsSession == store.sessionId() ? CompletableFuture.completedFuture(null)
                    : watchTransactions();
            watched.whenComplete((done, failure) -> scheduleScan());
            execute(keeper::reclaim);
        }
    }

    /** Stops (see {@link #doStop()}). Idempotent. */
    public void close() {
        stop();
    }
}
