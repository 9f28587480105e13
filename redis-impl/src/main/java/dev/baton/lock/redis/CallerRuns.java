package dev.baton.lock.redis;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.LockSupport;

/**
 * The executor of one blocking request: its tasks run on the thread that waits for the request, so
 * a synchronous {@code acquire()} sends its attempts itself instead of handing them to a client
 * thread and waiting to be handed the answer back (two thread switches per call, and every caller
 * of the client queued behind one thread).
 *
 * <p>Tasks given after the caller stopped waiting (the request ended, or the caller was interrupted)
 * go to the fallback executor instead, so none is lost.
 *
 * <p>Thread-safe; {@link #await} must be called by the thread that created this executor, once.
 */
final class CallerRuns implements Executor {

    private final Executor fallback;
    private final Thread caller = Thread.currentThread();
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>(2);
    private boolean left; // guarded by this

    /** @param fallback where tasks run once the caller has stopped waiting */
    CallerRuns(Executor fallback) {
        this.fallback = fallback;
    }

    @Override
    public void execute(Runnable task) {
        synchronized (this) {
            if (!left) {
                tasks.add(task);
                if (Thread.currentThread() != caller) {
                    LockSupport.unpark(caller);
                }
                return;
            }
        }
        fallback.execute(task);
    }

    /**
     * Waits until {@code future} is done, running this executor's tasks on the calling thread
     * meanwhile.
     *
     * @return the future's value
     * @throws InterruptedException if the thread is interrupted before the future is done (the
     *     future is then cancelled), or the future failed while the thread was interrupted (a Redis
     *     call gave up because of it)
     * @throws ExecutionException if the future completed exceptionally
     */
    <T> T await(CompletableFuture<T> future) throws InterruptedException, ExecutionException {
        if (!future.isDone()) {
            future.whenComplete((value, error) -> {
                if (Thread.currentThread() != caller) {
                    LockSupport.unpark(caller);
                }
            });
        }
        try {
            while (true) {
                Runnable task = next();
                if (task != null) {
                    task.run();
                } else if (future.isDone()) {
                    break;
                } else if (Thread.interrupted()) {
                    // Withdraw before leaving, so that queued work finds the request ended.
                    future.cancel(false);
                    throw new InterruptedException();
                } else {
                    LockSupport.park(this);
                }
            }
        } finally {
            leave();
        }
        if (future.isCompletedExceptionally() && Thread.interrupted()) {
            throw new InterruptedException();
        }
        return future.get();
    }

    private synchronized Runnable next() {
        return tasks.poll();
    }

    private void leave() {
        Runnable[] rest;
        synchronized (this) {
            left = true;
            rest = tasks.toArray(new Runnable[0]);
            tasks.clear();
        }
        for (Runnable task : rest) {
            try {
                fallback.execute(task);
            } catch (RejectedExecutionException e) {
                // The client is closing; its requests fail without this task.
            }
        }
    }
}
