package dev.baton.lock.spi.lifecycle;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * The threads of a service: daemon threads with names that say whose they are, and the two
 * behaviours every service wants once it is shut down: work nobody waits for is dropped, and a
 * completion someone waits for runs on the caller's thread rather than being lost.
 *
 * <p>Thread safety: every method may be called from any thread.
 */
public final class ServiceExecutor {

    /** The executor whose thread this is, for {@link #isCurrentThread}; unset on other threads. */
    private static final ThreadLocal<@Nullable ServiceExecutor> OWNER = new ThreadLocal<>();

    private final ThreadPoolExecutor executor;
    private final @Nullable ScheduledThreadPoolExecutor scheduler;

    private ServiceExecutor(ThreadPoolExecutor executor, @Nullable ScheduledThreadPoolExecutor scheduler) {
        this.executor = executor;
        this.scheduler = scheduler;
    }

    /**
     * {@code threads} daemon threads named {@code <name>-1}, {@code <name>-2}, ... that run tasks
     * now or later. Cancelled timers are removed at once, and none runs after shutdown.
     */
    public static ServiceExecutor scheduled(String name, int threads) {
        AtomicReference<@Nullable ServiceExecutor> self = new AtomicReference<>();
        ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(threads, ownedThreads(name, self));
        pool.setRemoveOnCancelPolicy(true);
        pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        ServiceExecutor service = new ServiceExecutor(pool, pool);
        self.set(service);
        return service;
    }

    /**
     * One daemon thread named {@code <name>-1} that runs tasks in the order given; it has no timers
     * ({@link #schedule} throws), and its queue is cheaper than a scheduler's.
     */
    public static ServiceExecutor single(String name) {
        AtomicReference<@Nullable ServiceExecutor> self = new AtomicReference<>();
        ServiceExecutor service = new ServiceExecutor(new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), ownedThreads(name, self)), null);
        self.set(service);
        return service;
    }

    /** Daemon threads that know they are {@code owner}'s (set before the pool starts any). */
    private static ThreadFactory ownedThreads(String name, AtomicReference<@Nullable ServiceExecutor> owner) {
        ThreadFactory plain = daemonThreads(name);
        return task -> plain.newThread(() -> {
            OWNER.set(owner.get());
            task.run();
        });
    }

    /**
     * Whether the calling thread is one of this executor's: work that would be handed to it can
     * then run in place, without waking another thread.
     */
    public boolean isCurrentThread() {
        return OWNER.get() == this;
    }

    /** Daemon threads named {@code <name>-1}, {@code <name>-2}, ... */
    public static ThreadFactory daemonThreads(String name) {
        Objects.requireNonNull(name, "name");
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Runs {@code task} on a thread of this executor.
     *
     * @return false if it was dropped because the executor is shut down
     */
    public boolean execute(Runnable task) {
        try {
            executor.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /**
     * Runs {@code task} on a thread of this executor or, once it is shut down, on the calling
     * thread: for completions that someone waits for.
     */
    public void executeOrRun(Runnable task) {
        if (!execute(task)) {
            task.run();
        }
    }

    /**
     * Runs {@code task} after {@code delay} (at once if it is not positive).
     *
     * @return its future; null if it was dropped because the executor is shut down
     * @throws UnsupportedOperationException for an executor made by {@link #single}
     */
    public @Nullable ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
        if (scheduler == null) {
            throw new UnsupportedOperationException("this executor has no timers; make it with scheduled()");
        }
        try {
            return scheduler.schedule(task, Math.max(0, delay), unit);
        } catch (RejectedExecutionException e) {
            return null;
        }
    }

    /** Whether {@link #shutdownNow()} or {@link #shutdown(Duration)} was called. */
    public boolean isShutdown() {
        return executor.isShutdown();
    }

    /**
     * Stops taking work and returns at once; tasks already queued still run, timers that have not
     * fired are dropped.
     */
    public void shutdown() {
        executor.shutdown();
    }

    /** Stops at once: queued tasks and timers are dropped, running ones interrupted. */
    public void shutdownNow() {
        executor.shutdownNow();
    }

    /**
     * Lets tasks already queued run, for at most {@code wait}, then stops as {@link #shutdownNow()}
     * does. Timers that have not fired are dropped. Restores the interrupt flag if interrupted.
     *
     * @return true if every queued task ran in time
     */
    public boolean shutdown(Duration wait) {
        executor.shutdown();
        try {
            if (executor.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                return true;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        return false;
    }
}
