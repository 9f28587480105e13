package dev.baton.txn.internal.protocol;

import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A task that looks at ZooKeeper again on every event and takes the next step from what it finds:
 * the shape of both the coordinator's {@code TxnDriver} and a host's branch task. It owns the loop
 * they used to repeat: at most one evaluation at a time (an event during one makes one more run
 * after it), a back-off after a failed one, a timer for a deadline, and an end.
 *
 * <pre>
 *  IDLE --schedule()--> QUEUED --runs--> RUNNING --done--> IDLE
 *                                           |  schedule() meanwhile: RUNNING_AGAIN --done--> QUEUED
 *                                           +--failed--> IDLE, then schedule() after a back-off
 *  any --finish()--> finished: schedule() does nothing more
 * </pre>
 *
 * <p>{@link #evaluate()} returns a future: it may wait for ZooKeeper replies without holding a
 * thread. Its stages run where {@link #executor()} puts them, and anything that may block, such
 * as a participant's prepare, runs on {@link #pool()}.
 *
 * <p><em>On ZooKeeper's event thread</em> (a task built with {@code onEventThread}): an evaluation
 * that an event schedules runs on the event thread that delivered it, and the stages after a
 * ZooKeeper reply run on the thread that delivered the reply, instead of each being handed to a
 * pool thread. Such a task's evaluations and stages must never block: they only decide, build
 * requests and send them; what blocks goes to {@link #pool()}. <em>Why:</em> the distributed path
 * is CPU-bound on the benchmark machine, and each hand-off to a pool thread costs a wake-up and a
 * context switch on both threads, for a stage that runs a few microseconds. Elsewhere (a timer, a
 * caller's thread, a pool thread) {@link #schedule()} still hands the evaluation to the pool, so
 * no caller runs another task's evaluation under its own locks, and tasks scheduled from a pool
 * thread still run side by side.
 *
 * <p>Thread safety: {@link #schedule()}, {@link #wakeIn}, {@link #finish()} may be called from any
 * thread; evaluations never overlap, and each sees what the previous one wrote.
 */
public abstract class ReevaluatingTask {

    private static final Logger LOG = LoggerFactory.getLogger(ReevaluatingTask.class);
    private static final int IDLE = 0;
    private static final int QUEUED = 1;
    private static final int RUNNING = 2;
    private static final int RUNNING_AGAIN = 3;
    /** The class of a ZooKeeper client's event thread (package-private in ZooKeeper, so told by name). */
    private static final String ZOOKEEPER_EVENT_THREAD = "org.apache.zookeeper.ClientCnxn$EventThread";

    private final ServiceExecutor executor;
    /** Stages of evaluations run here; once the service is shut down, on the completing thread. */
    private final Executor stages;
    /** Work that may block runs here; once the service is shut down, on the calling thread. */
    private final Executor pool;
    private final boolean onEventThread;
    /** Set while {@link #after} runs the next evaluation in place, so that the nested one's {@code after} does not. */
    private volatile boolean againInPlace;
    private final long maxBackoffMillis;
    private final AtomicInteger state = new AtomicInteger(IDLE);
    private volatile boolean finished;
    private volatile @Nullable ScheduledFuture<?> timer;
    private int failures;

    /**
     * @param executor where evaluations and their stages run, and timers fire
     * @param maxBackoffMillis the longest pause after failed evaluations in a row
     */
    protected ReevaluatingTask(ServiceExecutor executor, long maxBackoffMillis) {
        this(executor, maxBackoffMillis, false);
    }

    /**
     * @param executor the pool: where blocking work runs and timers fire, and evaluations and
     *     stages when they are not run on ZooKeeper's event thread
     * @param maxBackoffMillis the longest pause after failed evaluations in a row
     * @param onEventThread whether evaluations scheduled, and stages completed, on ZooKeeper's
     *     event thread run there (see the class comment): only for tasks that never block in them
     */
    protected ReevaluatingTask(ServiceExecutor executor, long maxBackoffMillis, boolean onEventThread) {
        this.executor = executor;
        this.pool = executor::executeOrRun;
        this.onEventThread = onEventThread;
        this.stages = onEventThread ? this::stage : pool;
        this.maxBackoffMillis = maxBackoffMillis;
    }

    /**
     * Whether the calling thread is a ZooKeeper client's event thread, which delivers watch events
     * and the replies of asynchronous calls, one at a time.
     */
    public static boolean isZooKeeperEventThread() {
        return Thread.currentThread().getClass().getName().equals(ZOOKEEPER_EVENT_THREAD);
    }

    private void stage(Runnable stage) {
        if (isZooKeeperEventThread() || executor.isCurrentThread()) {
            stage.run();
        } else {
            executor.executeOrRun(stage);
        }
    }

    /** Looks at ZooKeeper and takes the next steps; the future completes when this evaluation is over. */
    protected abstract CompletableFuture<Void> evaluate();

    /**
     * An evaluation failed: decide whether to try again (the default, after a back-off).
     *
     * @return true to try again after a back-off; false if the task ended (it called {@link #finish()})
     */
    protected boolean failed(Throwable cause, int failuresInARow) {
        return true;
    }

    /** Called once, when the task ends. */
    protected void finished() {
    }

    /**
     * Where this task's stages run: the pool, or, for a task built with {@code onEventThread}, the
     * thread that completed the stage's future when that is ZooKeeper's event thread or a pool
     * thread. Not for work that may block: see {@link #pool()}.
     */
    protected final Executor executor() {
        return stages;
    }

    /** The pool, for work that may block (a participant's prepare, a lock's blocking attempt). */
    protected final Executor pool() {
        return pool;
    }

    /** Whether the task has ended. */
    public final boolean isFinished() {
        return finished;
    }

    /** Queues an evaluation, unless one is queued already; during one, makes one more run after it. */
    public final void schedule() {
        while (!finished) {
            int current = state.get();
            if (current == IDLE) {
                if (state.compareAndSet(IDLE, QUEUED)) {
                    if (onEventThread && isZooKeeperEventThread()) {
                        run();
                    } else {
                        submit();
                    }
                    return;
                }
            } else if (current == RUNNING) {
                if (state.compareAndSet(RUNNING, RUNNING_AGAIN)) {
                    return;
                }
            } else {
                return;
            }
        }
    }

    /**
     * Like {@link #schedule()}, but on the calling thread when nothing runs (one thread hop less);
     * while an evaluation runs, one more follows it, as with {@code schedule()}.
     */
    public final void runHere() {
        if (finished) {
            return;
        }
        if (state.compareAndSet(IDLE, QUEUED)) {
            run();
        } else {
            schedule();
        }
    }

    /**
     * {@code value}, which the task's rule guarantees is known at this step.
     *
     * @throws IllegalStateException naming {@code what} if it is not: a bug in the rule
     */
    protected static <T> T known(@Nullable T value, String what) {
        if (value == null) {
            throw new IllegalStateException(what + " is not known at this step");
        }
        return value;
    }

    /** Evaluates again in {@code delayMillis} (a deadline), replacing a timer set before. */
    protected final void wakeIn(long delayMillis) {
        ScheduledFuture<?> previous = timer;
        if (previous != null) {
            previous.cancel(false);
        }
        timer = executor.schedule(this::schedule, Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
    }

    /** Whether a timer set by {@link #wakeIn} is still pending. */
    protected final boolean timerPending() {
        ScheduledFuture<?> current = timer;
        return current != null && !current.isDone();
    }

    /** Ends the task: nothing more is evaluated; {@link #finished()} runs once. */
    public final void finish() {
        if (finished) {
            return;
        }
        finished = true;
        ScheduledFuture<?> current = timer;
        if (current != null) {
            current.cancel(false);
        }
        finished();
    }

    private void submit() {
        if (!executor.execute(this::run)) {
            state.set(IDLE); // shutting down
        }
    }

    private void run() {
        state.set(RUNNING);
        if (finished) {
            state.set(IDLE);
            return;
        }
        CompletableFuture<Void> evaluation;
        try {
            evaluation = evaluate();
        } catch (RuntimeException | Error e) {
            evaluation = CompletableFuture.failedFuture(e);
        }
        evaluation.whenComplete((done, failure) -> after(failure));
    }

    private void after(Throwable failure) {
        boolean retry = false;
        if (failure != null) {
            failures++;
            try {
                retry = !finished && failed(failure, failures);
            } catch (RuntimeException e) {
                LOG.warn("a task's failure handler failed", e);
            }
        } else {
            failures = 0;
        }
        if (state.compareAndSet(RUNNING, IDLE)) {
            if (retry) {
                wakeIn(Math.min(maxBackoffMillis, 25L << Math.min(failures, 7)));
            }
            return;
        }
        // Scheduled while running: one more evaluation now (even after a failure: something changed).
        state.set(QUEUED);
        if (finished) {
            state.set(IDLE);
            return;
        }
        if (onEventThread && !againInPlace && isZooKeeperEventThread()) {
            // Typically the event of this evaluation's own write, delivered just before its reply.
            // In place, once: an evaluation that ends at once and was scheduled again meanwhile
            // goes to the pool rather than deeper into this thread's stack.
            againInPlace = true;
            try {
                run();
            } finally {
                againInPlace = false;
            }
            return;
        }
        submit();
    }
}
