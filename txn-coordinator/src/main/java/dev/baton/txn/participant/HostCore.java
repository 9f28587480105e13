package dev.baton.txn.participant;

import dev.baton.lock.spi.lifecycle.AbstractService;
import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import dev.baton.txn.TxnListener;
import dev.baton.txn.internal.protocol.SafeListener;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.StartSteps;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant host as a service ({@link AbstractService}: started once, stopped once): the
 * store, the threads that call the participants, the clock, the problems found, and its hosted
 * participants, registered on start and unregistered on stop.
 */
final class HostCore extends AbstractService {

    private static final Logger LOG = LoggerFactory.getLogger(HostCore.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    final TxnStore store;
    final Clock clock;
    final Duration abortGrace;
    final StepListener steps;
    /** The user's listener, safe to call. */
    final TxnListener listener;
    final String instanceId;
    private final ServiceExecutor executor;
    private final ConcurrentMap<String, String> problems = new ConcurrentHashMap<>();
    private final ConnectionStateListener connectionListener = this::connectionChanged;
    private volatile List<HostedParticipant> participants = List.of();
    /** Test hook: false makes hosts list their inbox as on a server without persistent watches. */
    volatile boolean persistentWatches = true;

    HostCore(TxnStore store, Clock clock, Duration abortGrace, int threads, StepListener steps,
            TxnListener listener) {
        super("participant host");
        this.listener = SafeListener.of(listener);
        this.store = store;
        this.clock = clock;
        this.abortGrace = abortGrace;
        this.steps = steps;
        int number = INSTANCES.incrementAndGet();
        this.instanceId = java.lang.management.ManagementFactory.getRuntimeMXBean().getName().replaceAll("[^A-Za-z0-9_.-]", "_")
                + "-" + number;
        this.executor = ServiceExecutor.scheduled("baton-txn-participant-" + number, threads);
    }

    /** Hosts these participants once started. */
    void host(List<HostedParticipant> hosted) {
        participants = List.copyOf(hosted);
    }

    /** Registers every participant as live and starts reconciling and reading the inboxes. */
    @Override
    protected void doStart() throws Exception {
        new StartSteps(store.curator(), TimeUnit.MINUTES.toMillis(2)).run(() -> CompletableFuture.allOf(
                participants.stream().map(HostedParticipant::start).toArray(CompletableFuture[]::new)));
        store.curator().getConnectionStateListenable().addListener(connectionListener);
    }

    /** Stops working and removes the live nodes, so coordinators stop sending work here. */
    @Override
    protected void doStop() {
        store.curator().getConnectionStateListenable().removeListener(connectionListener);
        executor.shutdownNow();
        participants.forEach(HostedParticipant::unregister);
    }

    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.RECONNECTED) {
            participants.forEach(HostedParticipant::resync);
        }
    }

    boolean isClosed() {
        return isShutDown();
    }

    ServiceExecutor executor() {
        return executor;
    }

    void execute(Runnable task) {
        if (!executor.execute(task)) {
            LOG.debug("participant host closed; dropping a task");
        }
    }

    @Nullable ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        return executor.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
    }

    void step(StepListener.Step step, String txnId) {
        steps.reached(step, txnId);
    }

    void report(String key, String problem) {
        if (problems.putIfAbsent(key, problem) == null) {
            LOG.warn("{} cannot be processed and is left as it is: {}", key, problem);
        }
    }

    boolean hasProblem(String key) {
        return problems.containsKey(key);
    }

    Map<String, String> problems() {
        return new TreeMap<>(problems);
    }
}
