package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One request for a lock run by scripts (every lock of the Jedis backend, and the Redisson
 * adapter's recipes), from the first attempt to the grant, the end of the wait, a failure or a
 * cancel. What an attempt runs is the {@link RedisRecipe}'s: the mutex, a reader, a writer, a
 * permit or a candidate.
 *
 * <p>An attempt is one acquire script, run by the request's executor: the caller's own thread for a
 * blocking call ({@link CallerRuns}), the client's attempt thread otherwise. When the lock is held,
 * the request listens on the lock's release channel and tries again when a release is announced,
 * or when the holder's key would expire (its PTTL), whichever comes first; no thread runs for it
 * meanwhile. One attempt runs at a time; a wake-up during an attempt makes another attempt follow it.
 *
 * <p>The lease id stays the same across attempts, so an attempt whose reply was lost and that is
 * tried again finds the key already holding its id and is granted. When the request ends without a
 * lease after such a doubtful attempt, it releases the id, in case the server did grant it.
 *
 * <p>A grant whose reply came so late that the lease could have expired on the server already
 * (Redis stalled while the acquire was in flight) is never handed out: its id is given back and
 * the request goes on waiting, under a new id, within the caller's wait, or ends without a lease.
 * A new id, because the give-back is sent on another thread and must not free the next grant.
 *
 * <p>Thread-safe; state is guarded by the monitor.
 */
final class ScriptedAcquisition {

    private static final long MIN_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final ScriptBackend backend;
    private final ClientRuntime runtime;
    private final RedisRecipe recipe;
    private final long waitNanos;
    private final long deadline;
    private final Executor attempts;
    private String leaseId;
    private final CompletableFuture<RedisLease> future = new CompletableFuture<>();
    private final Runnable waker = this::wake;

    private boolean attempting;
    private boolean wakeAgain;
    private boolean watching;
    private boolean doubtful;
    private boolean granted;
    private boolean done;
    private int failures;
    private long failingSince;
    private RuntimeException lastFailure;
    private ScheduledFuture<?> retry;
    private ScheduledFuture<?> timeout;

    /**
     * @param waitNanos {@link AbstractRedisLock#FOREVER}, 0 for one attempt, or the longest wait
     * @param attempts where attempts run
     */
    ScriptedAcquisition(ScriptBackend backend, RedisRecipe recipe, long waitNanos, Executor attempts) {
        this.backend = backend;
        this.runtime = backend.runtime();
        this.recipe = recipe;
        this.waitNanos = waitNanos;
        this.deadline = runtime.now() + Math.max(0, waitNanos);
        this.attempts = attempts;
        this.leaseId = backend.newLeaseId();
    }

    /** Starts the request; the future is as {@link AbstractRedisLock#startRequest} describes. */
    CompletableFuture<RedisLease> start() {
        runtime.track(future);
        future.whenComplete((lease, error) -> finish(lease));
        wake();
        return future;
    }

    // Callers hold the monitor. Set once an attempt did not succeed, or may be slow: most never need it.
    private void armDeadline() {
        if (waitNanos > 0 && timeout == null) {
            timeout = runtime.schedule(this::onDeadline, deadline - runtime.now());
        }
    }

    private void wake() {
        Executor executor = attempts;
        synchronized (this) {
            if (done || granted) {
                return;
            }
            if (attempting) {
                wakeAgain = true;
                return;
            }
            attempting = true;
            cancel(retry);
            if (backend.seemsUnreachable()) {
                // A blocked caller could not return at its deadline while its thread waits out a
                // dead connection's timeout: the client's attempt thread does that instead.
                executor = backend.attempts();
                armDeadline();
            }
        }
        try {
            executor.execute(this::attempt);
        } catch (RejectedExecutionException e) {
            future.completeExceptionally(runtime.closedException());
        }
    }

    private void attempt() {
        String id;
        synchronized (this) {
            if (done) {
                attempting = false;
                return;
            }
            id = leaseId;
        }
        long mark = backend.wakeups().mark(recipe.channel());
        long sent = runtime.now();
        List<?> reply;
        try {
            reply = recipe.acquire(backend, id);
        } catch (RuntimeException e) {
            onFailure(e);
            return;
        }
        long status = ((Number) reply.get(0)).longValue();
        long value = ((Number) reply.get(1)).longValue();
        if (status == 1L) {
            onGranted(id, value, sent);
        } else if (status == 0L) {
            onHeld(value, mark);
        } else {
            onRefused(value);
        }
    }

    private void onGranted(String id, long token, long sent) {
        if (RedisLease.isPastDeadline(runtime, sent)) {
            onGrantedTooLate(id);
            return;
        }
        synchronized (this) {
            attempting = false;
            if (granted) {
                // Unreachable while attempts never follow a grant; kept so that one lease id can
                // never back two leases, whose releases would free each other's key.
                return;
            }
            granted = true;
        }
        RedisLease lease = new RedisLease(runtime, recipe.leaseOps(backend, id), recipe.name(), token, sent);
        lease.start();
        if (!future.complete(lease)) {
            lease.releaseAsync();
        }
    }

    /**
     * The server granted {@code id}, but the reply came past the lease's deadline: the key may have
     * expired and been taken by another client already. Gives it back and goes on waiting, under a
     * new id, if the caller's wait allows; else ends without a lease.
     */
    private void onGrantedTooLate(String id) {
        boolean ended;
        synchronized (this) {
            attempting = false;
            ended = done || waitNanos == 0 || (waitNanos > 0 && runtime.now() - deadline >= 0);
            if (!done) {
                leaseId = backend.newLeaseId();
                wakeAgain = false;
            }
        }
        recipe.abandon(backend, id);
        if (ended) {
            future.complete(null);
        } else {
            wake();
        }
    }

    /** @param mark the release channel's mark from before the attempt was sent */
    private void onHeld(long pttl, long mark) {
        boolean ended;
        boolean again;
        synchronized (this) {
            attempting = false;
            failures = 0;
            lastFailure = null;
            if (done) {
                return;
            }
            ended = waitNanos == 0 || (waitNanos > 0 && runtime.now() - deadline >= 0);
            again = !ended && wakeAgain;
            wakeAgain = false;
            if (!ended && !watching) {
                watching = true;
                again |= backend.wakeups().watch(recipe.channel(), waker, mark);
            }
            if (!ended) {
                armDeadline();
            }
            if (!ended && !again) {
                long delay = pttl > 0 ? TimeUnit.MILLISECONDS.toNanos(pttl) + MIN_RETRY_NANOS
                        : TimeUnit.MILLISECONDS.toNanos(backend.leaseMillis()) / 3;
                retry = runtime.schedule(waker, delay);
            }
        }
        if (ended) {
            future.complete(null);
        } else if (again) {
            wake();
        }
    }

    private void onFailure(RuntimeException error) {
        boolean ended;
        boolean fail = false;
        String id;
        synchronized (this) {
            id = leaseId;
            attempting = false;
            doubtful = true;
            lastFailure = error;
            ended = done;
            if (!done) {
                long now = runtime.now();
                if (failures++ == 0) {
                    failingSince = now;
                }
                fail = waitNanos == 0 || !backend.isTransient(error) || now - failingSince > backend.giveUpNanos();
                if (!fail) {
                    armDeadline();
                    long backoff = TimeUnit.MILLISECONDS.toNanos(Math.min(1000, 25L << Math.min(failures, 6)));
                    retry = runtime.schedule(waker, backoff);
                }
            }
        }
        if (ended) {
            // The request ended while this attempt ran; the server may have granted it all the same.
            recipe.abandon(backend, id);
        } else if (fail) {
            future.completeExceptionally(backend.lockException("acquire lock '" + recipe.name() + "'", error));
        }
    }

    /** The recipe refused the request outright (a semaphore used with another number of permits). */
    private void onRefused(long detail) {
        synchronized (this) {
            attempting = false;
        }
        future.completeExceptionally(new LockException("refused '" + recipe.name() + "': " + recipe.refusal(detail)));
    }

    private void onDeadline() {
        RuntimeException failure;
        synchronized (this) {
            failure = lastFailure;
        }
        if (failure == null) {
            future.complete(null);
        } else {
            future.completeExceptionally(backend.lockException("acquire lock '" + recipe.name() + "'", failure));
        }
    }

    private void finish(RedisLease lease) {
        boolean unwatch;
        boolean releaseDoubtful;
        String id;
        synchronized (this) {
            id = leaseId;
            done = true;
            cancel(retry);
            cancel(timeout);
            unwatch = watching;
            watching = false;
            releaseDoubtful = (doubtful || recipe.leavesIntent()) && lease == null;
        }
        if (unwatch) {
            backend.wakeups().unwatch(recipe.channel(), waker);
        }
        if (releaseDoubtful) {
            recipe.abandon(backend, id);
        }
    }

    private static void cancel(ScheduledFuture<?> task) {
        if (task != null) {
            task.cancel(false);
        }
    }
}
