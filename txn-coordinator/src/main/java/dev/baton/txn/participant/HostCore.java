package dev.baton.txn.participant;

import dev.baton.txn.internal.protocol.CoordinatorCore;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.Zk;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What the participants of one {@link ParticipantHost} share: ZooKeeper, threads, clock, problems. */
final class HostCore {

    private static final Logger LOG = LoggerFactory.getLogger(HostCore.class);
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    final Zk zk;
    final TxnLayout layout;
    final Clock clock;
    final Duration abortGrace;
    final StepListener steps;
    final String instanceId;
    private final ScheduledThreadPoolExecutor executor;
    private final ConcurrentMap<String, String> problems = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Test hook: false makes hosts list their inbox as on a server without persistent watches. */
    volatile boolean persistentWatches = true;

    HostCore(Zk zk, TxnLayout layout, Clock clock, Duration abortGrace, int threads, StepListener steps) {
        this.zk = zk;
        this.layout = layout;
        this.clock = clock;
        this.abortGrace = abortGrace;
        this.steps = steps;
        int number = INSTANCES.incrementAndGet();
        this.instanceId = java.lang.management.ManagementFactory.getRuntimeMXBean().getName().replaceAll("[^A-Za-z0-9_.-]", "_")
                + "-" + number;
        this.executor = new ScheduledThreadPoolExecutor(threads, CoordinatorCore.daemon("baton-txn-participant-" + number));
        this.executor.setRemoveOnCancelPolicy(true);
    }

    boolean isClosed() {
        return closed.get();
    }

    void execute(Runnable task) {
        try {
            executor.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("participant host closed; dropping a task");
        }
    }

    ScheduledFuture<?> schedule(Runnable task, long delayMillis) {
        try {
            return executor.schedule(task, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null;
        }
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

    void close() {
        if (closed.compareAndSet(false, true)) {
            executor.shutdownNow();
        }
    }
}
