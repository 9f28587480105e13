package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import dev.baton.lock.redis.internal.Scripts;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * The Jedis machinery one {@link RedisLockClient} shares among its locks: the connection pool, the
 * threads for work that no caller waits for, and the release subscription.
 *
 * <p>Jedis blocks. A blocking {@code acquire()}, {@code tryAcquire()} or {@code release()} runs its
 * scripts on the calling thread, on a pooled connection, so callers of one client do not queue
 * behind each other. Work no caller waits for runs on two client threads: one for the attempts of
 * {@code acquireAsync()} requests, one for renewals and background releases, so that a burst of
 * waiters cannot delay the watchdog. Waiting requests hold no thread and no connection: they are
 * woken by the subscription or a timer, then make one short attempt.
 *
 * <p>Thread-safe.
 */
final class JedisBackend implements ScriptBackend {

    private final UnifiedJedis jedis;
    private final ClientRuntime runtime;
    private final String where;
    private final long giveUpNanos;
    private final String clientId;
    private final AtomicLong leases = new AtomicLong();
    private final ThreadPoolExecutor attempts;
    private final ThreadPoolExecutor upkeep;
    private final ReleaseSubscription subscription;
    private volatile boolean unreachable;

    /**
     * @param where the deployment, for messages
     * @param giveUpNanos how long a waiting request keeps retrying while Redis is unreachable
     */
    JedisBackend(UnifiedJedis jedis, ClientRuntime runtime, String where, long giveUpNanos, String clientId) {
        this.jedis = jedis;
        this.runtime = runtime;
        this.where = where;
        this.giveUpNanos = giveUpNanos;
        this.clientId = clientId;
        this.attempts = pool("baton-redis-attempt-" + clientId);
        this.upkeep = pool("baton-redis-upkeep-" + clientId);
        String control = runtime.options().namespace() + ":client:" + clientId;
        this.subscription = new ReleaseSubscription(jedis, runtime, control, "baton-redis-subscriber-" + clientId);
    }

    /** A one-thread pool whose thread ends when idle: the attempt and upkeep threads of a client. */
    static ThreadPoolExecutor pool(String name) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), ClientRuntime.daemon(name));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    @Override
    public ClientRuntime runtime() {
        return runtime;
    }

    @Override
    public String where() {
        return where;
    }

    @Override
    public long giveUpNanos() {
        return giveUpNanos;
    }

    ReleaseSubscription subscription() {
        return subscription;
    }

    @Override
    public Wakeups wakeups() {
        return subscription;
    }

    @Override
    public boolean isTransient(Throwable error) {
        return Faults.isTransient(error);
    }

    @Override
    public LockException lockException(String what, Throwable error) {
        return Faults.lockException(what, error, where);
    }

    @Override
    public long leaseMillis() {
        return runtime.options().leaseTime().toMillis();
    }

    /** A lease id no other request of any client uses: this client's random id and a counter. */
    @Override
    public String newLeaseId() {
        return clientId + ":" + leases.incrementAndGet();
    }

    /** Where the attempts of requests nobody blocks on run; rejects work once the client is shut down. */
    @Override
    public Executor attempts() {
        return attempts;
    }

    /** Runs a renewal or release on the upkeep thread. */
    @Override
    public <T> CompletableFuture<T> upkeep(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, upkeep);
    }

    /**
     * Whether the last command failed for want of a connection: a release then goes to the
     * background instead of making its caller wait for the connection's timeouts.
     */
    @Override
    public boolean seemsUnreachable() {
        return unreachable;
    }

    /** Runs a script: EVALSHA, and EVAL if the server has not seen it (after a restart, say). */
    @Override
    public Object eval(Scripts.Script script, List<String> keys, List<String> args) {
        try {
            Object reply = evalOnce(script, keys, args);
            if (unreachable) {
                unreachable = false;
            }
            return reply;
        } catch (RuntimeException e) {
            if (Faults.isConnectionLoss(e) && !unreachable) {
                unreachable = true;
            }
            if (e.getCause() instanceof InterruptedException) {
                // The pool swallowed the interrupt of a caller waiting for a connection; keep it.
                Thread.currentThread().interrupt();
            }
            throw e;
        }
    }

    private Object evalOnce(Scripts.Script script, List<String> keys, List<String> args) {
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
