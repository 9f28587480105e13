package dev.baton.txn.internal.protocol;

import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.Zk;

import dev.baton.lock.zookeeper.ZooKeeperLockClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one coordinator instance shares among the transactions it drives: ZooKeeper, the lock
 * client its driver leases come from, its threads, the history, the map of known transactions,
 * and the scan of {@code txn/} that finds transactions begun elsewhere. Every transaction under
 * {@code txn/} has one {@link TxnDriver} here; only one that holds its driver lease acts on it,
 * the others only watch.
 */
public final class CoordinatorCore {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorCore.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    public final Zk zk;
    public final ZooKeeperLockClient locks;
    public final TxnLayout layout;
    public final TxnHistory history;
    public final HistoryKeeper keeper;
    public final Clock clock;
    public final String instanceId;
    public final StepListener steps;
    private final ScheduledThreadPoolExecutor executor;
    private final ExecutorService callbacks;
    private final ConcurrentMap<String, TxnDriver> drivers = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, String> problems = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicBoolean scanQueued = new AtomicBoolean();
    private final Watcher scanWatcher = event -> scheduleScan();
    private final ConnectionStateListener connectionListener = this::connectionChanged;

    /** @param locks the lock client for driver leases; closed with this core */
    public CoordinatorCore(Zk zk, ZooKeeperLockClient locks, TxnLayout layout, int historySize, Duration idleTrim,
            Clock clock, StepListener steps) {
        this.zk = zk;
        this.locks = locks;
        this.layout = layout;
        this.keeper = new HistoryKeeper(this, historySize, idleTrim);
        this.history = new TxnHistory(zk, layout, historySize);
        this.clock = clock;
        this.steps = steps;
        int number = INSTANCES.incrementAndGet();
        this.instanceId = java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "#" + number;
        this.executor = new ScheduledThreadPoolExecutor(2, daemon("baton-txn-coordinator-" + number));
        this.executor.setRemoveOnCancelPolicy(true);
        this.callbacks = Executors.newSingleThreadExecutor(daemon("baton-txn-callbacks-" + number));
    }

    public static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** Creates the namespace, starts watching {@code txn/} and picks up every transaction already there. */
    public void start() throws Exception {
        zk.ensure(layout.txns());
        zk.ensure(layout.participants());
        zk.ensure(layout.history());
        zk.curator().getConnectionStateListenable().addListener(connectionListener);
        keeper.start();
        scan();
    }

    public boolean isClosed() {
        return closed.get();
    }

    public void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("coordinator closed; dropping a task");
        }
    }

    public ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        try {
            return executor.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /**
     * Completes a caller's future off the protocol threads, so a slow dependent stage cannot stall
     * them; an {@link Awaited} one in place, which only wakes its caller.
     */
    <T> void deliver(CompletableFuture<T> future, T value, Throwable error) {
        Runnable completion = () -> {
            if (error != null) {
                future.completeExceptionally(error);
            } else {
                future.complete(value);
            }
        };
        if (future instanceof Awaited) {
            completion.run();
            return;
        }
        try {
            callbacks.execute(completion);
        } catch (RejectedExecutionException e) {
            completion.run();
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
                try {
                    scan();
                } catch (Exception e) {
                    if (!closed.get() && zk.usable()) {
                        LOG.debug("scan of {} failed; retrying", layout.txns(), e);
                        schedule(this::scheduleScan, 500);
                    }
                }
            });
        }
    }

    /** Lists {@code txn/} (watching it) and starts following every transaction not yet known. */
    private void scan() throws Exception {
        if (closed.get()) {
            return;
        }
        List<String> ids = zk.children(layout.txns(), scanWatcher);
        if (ids == null) {
            zk.ensure(layout.txns());
            scheduleScan();
            return;
        }
        problems.keySet().retainAll(ids);
        for (String id : ids) {
            if (drivers.containsKey(id) || problems.containsKey(id)) {
                continue;
            }
            if (!TxnNames.isTxnId(id)) {
                report(id, "'" + layout.record(id) + "' is not a transaction created by Baton (foreign node)");
                continue;
            }
            TxnDriver driver = new TxnDriver(this, id, null, null);
            if (drivers.putIfAbsent(id, driver) == null) {
                driver.schedule();
            }
        }
    }

    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.RECONNECTED || state == ConnectionState.CONNECTED) {
            scheduleScan();
            execute(keeper::reclaim);
            drivers.values().forEach(TxnDriver::schedule);
        }
    }

    /**
     * Stops: callers still waiting get a {@link TransactionException}; the driver leases this
     * instance holds are released so that another instance takes the transactions over at once.
     * Closes the lock client (and with it the ZooKeeper connection, if the lock client owns it).
     */
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        zk.curator().getConnectionStateListenable().removeListener(connectionListener);
        executor.shutdownNow();
        for (TxnDriver driver : drivers.values()) {
            driver.close();
        }
        drivers.clear();
        keeper.close();
        locks.close();
        callbacks.shutdown();
    }
}
