package dev.baton.lock.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Jedis machinery one {@link RedisLockClient} shares among its locks: the connection, the
 * threads that run blocking Jedis calls, and the release subscription.
 *
 * <p>Jedis blocks, so every call runs on one of two threads: one for acquire attempts, and one for
 * renewals and releases, so that a burst of waiters cannot delay the watchdog. A client thus uses at
 * most three connections (with the subscription's) and a fixed set of threads however many requests
 * wait: waiting requests hold no thread; they are woken by the subscription or a timer, then make
 * one short attempt.
 *
 * <p>Thread-safe.
 */
final class JedisBackend {

    private final UnifiedJedis jedis;
    private final ClientRuntime runtime;
    private final String where;
    private final long giveUpNanos;
    private final ThreadPoolExecutor attempts;
    private final ThreadPoolExecutor upkeep;
    private final ReleaseSubscription subscription;

    /**
     * @param where the deployment, for messages
     * @param giveUpNanos how long a waiting request keeps retrying while Redis is unreachable
     */
    JedisBackend(UnifiedJedis jedis, ClientRuntime runtime, String where, long giveUpNanos, String clientId) {
        this.jedis = jedis;
        this.runtime = runtime;
        this.where = where;
        this.giveUpNanos = giveUpNanos;
        this.attempts = pool(1, "baton-redis-attempt-" + clientId);
        this.upkeep = pool(1, "baton-redis-upkeep-" + clientId);
        String control = runtime.options().namespace() + ":client:" + clientId;
        this.subscription = new ReleaseSubscription(jedis, control, "baton-redis-subscriber-" + clientId);
    }

    private static ThreadPoolExecutor pool(int threads, String name) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), ClientRuntime.daemon(name));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    ClientRuntime runtime() {
        return runtime;
    }

    String where() {
        return where;
    }

    long giveUpNanos() {
        return giveUpNanos;
    }

    ReleaseSubscription subscription() {
        return subscription;
    }

    long leaseMillis() {
        return runtime.options().leaseTime().toMillis();
    }

    /** Runs an acquire attempt; false if the client is shutting down. */
    boolean attempt(Runnable attempt) {
        try {
            attempts.execute(attempt);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Runs a renewal or release off the caller's thread. */
    <T> CompletableFuture<T> upkeep(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, (Executor) upkeep);
    }

    /** Runs a script: EVALSHA, and EVAL if the server has not seen it (after a restart, say). */
    Object eval(Scripts.Script script, List<String> keys, List<String> args) {
        try {
            return jedis.evalsha(script.sha(), keys, args);
        } catch (JedisNoScriptException e) {
            return jedis.eval(script.text(), keys, args);
        } catch (JedisDataException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")) {
                return jedis.eval(script.text(), keys, args);
            }
            throw e;
        }
    }

    /** Stops the subscription and the pools; blocked Jedis calls end with their socket timeout. */
    void shutdown() {
        subscription.close();
        attempts.shutdownNow();
        upkeep.shutdownNow();
    }
}
