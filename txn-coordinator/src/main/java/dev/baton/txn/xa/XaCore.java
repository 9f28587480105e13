package dev.baton.txn.xa;

import dev.baton.lock.spi.lifecycle.AbstractService;
import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import dev.baton.txn.TxnListener;
import dev.baton.txn.internal.protocol.SafeListener;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.StartSteps;
import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.internal.store.XaStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process XA coordinator as a service: the store, the registered resources and their
 * connection pools, the threads that prepare and commit branches in parallel and run recovery,
 * this session's live node (the "owner" every transaction names in its Xids), the transactions in
 * flight, the writer that groups concurrent decisions into one request, the janitor that deletes
 * finished decisions, and recovery.
 *
 * <p>The owner follows the session: on start, and whenever Curator reconnects with a new session,
 * a new live node is created and transactions begun from then on name it. A transaction begun
 * under a session that has ended can never be decided (its decision write checks the owner's live
 * node), so it is rolled back.
 */
final class XaCore extends AbstractService {

    private static final Logger LOG = LoggerFactory.getLogger(XaCore.class);

    final XaStore store;
    final Clock clock;
    final StepListener steps;
    final Duration defaultTimeout;
    final Duration recoveryGrace;
    final Duration recoveryInterval;
    final Map<String, XaConnectionPool> resources;
    final ServiceExecutor executor;
    final DecisionWriter decisions;
    final DecisionJanitor janitor;
    final XaRecovery recovery;
    /** Transactions begun here and not yet completed: recovery leaves their branches alone. */
    final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Transactions in {@code commit()} now. */
    final AtomicInteger committing = new AtomicInteger();
    /**
     * A transaction hands its branches to the core's threads only while at most this many are
     * committing; above, its caller works through them in turn (the cores are busy anyway).
     */
    final int parallelUpTo;
    /** The user's listener, safe to call. */
    final TxnListener listener;
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private volatile @Nullable String owner;
    private volatile long ownerSession;
    private final Object registrationLock = new Object();
    /** The last registration asked for, and the session it was for; guarded by {@link #registrationLock}. */
    private @Nullable CompletableFuture<String> registration;
    private long registrationSession;

    XaCore(XaStore store, Map<String, XaConnectionPool> resources, Clock clock, Duration defaultTimeout,
            Duration recoveryGrace, Duration recoveryInterval, int threads, int parallelUpTo, StepListener steps,
            TxnListener listener) {
        super("XA transactions");
        this.listener = SafeListener.of(listener);
        this.store = store;
        this.resources = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(resources));
        this.clock = clock;
        this.defaultTimeout = defaultTimeout;
        this.recoveryGrace = recoveryGrace;
        this.recoveryInterval = recoveryInterval;
        this.steps = steps;
        this.executor = ServiceExecutor.scheduled("baton-xa", threads);
        this.parallelUpTo = parallelUpTo;
        this.decisions = new DecisionWriter(store);
        this.janitor = new DecisionJanitor(this);
        this.recovery = new XaRecovery(this);
    }

    @Override
    protected void doStart() throws Exception {
        StartSteps steps = new StartSteps(store.curator(),
                store.curator().getZookeeperClient().getConnectionTimeoutMs() + 10_000L);
        steps.run(store::ensure);
        steps.run(this::register);
        store.curator().getConnectionStateListenable().addListener(connectionListener);
        recovery.schedule();
    }

    @Override
    protected void doStop() {
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        recovery.finish();
        janitor.drain(Duration.ofSeconds(5));
        String current = owner;
        if (current != null && store.usable()) {
            try {
                store.unregister(current).get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("could not delete the live node {}; it goes with the session", current, e);
            }
        }
        executor.shutdown(Duration.ofSeconds(5));
        resources.values().forEach(XaConnectionPool::close);
    }

    /** The live node transactions begun now name, or null while this session has none. */
    @Nullable String owner() {
        String current = owner;
        return current != null && ownerSession == store.sessionId() ? current : null;
    }

    /**
     * Creates this session's live node, once: a registration of the same session that is in flight
     * or done is returned, not sent again. A new session and recovery's {@link #ensureOwner} can
     * ask at the same moment, and each used to create a node of its own, so a session held two.
     */
    private CompletableFuture<String> register() {
        long session = store.sessionId();
        synchronized (registrationLock) {
            CompletableFuture<String> last = registration;
            if (last != null && registrationSession == session && !last.isCompletedExceptionally()) {
                return last;
            }
            CompletableFuture<String> next = store.register().thenApply(name -> {
                owner = name;
                ownerSession = session;
                LOG.debug("XA transactions of this instance now name {}", name);
                return name;
            });
            registration = next;
            registrationSession = session;
            return next;
        }
    }

    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        if (state.isConnected() && store.sessionId() != ownerSession) {
            register().whenComplete((name, failure) -> {
                if (failure != null) {
                    LOG.warn("cannot create this instance's XA live node after a new session; transactions begun"
                            + " now will roll back until it exists: {}", String.valueOf(TxnStore.unwrap(failure)));
                }
                recovery.schedule();
            });
        }
    }

    /** Creates a live node for the current session if it has none (after a failed attempt). */
    void ensureOwner() {
        if (owner() == null && store.sessionId() != 0) {
            register().whenComplete((name, failure) -> {
                if (failure != null) {
                    LOG.debug("cannot create this instance's XA live node yet", TxnStore.unwrap(failure));
                }
            });
        }
    }

    void step(StepListener.Step step, String txnId) {
        steps.reached(step, txnId);
    }
}
