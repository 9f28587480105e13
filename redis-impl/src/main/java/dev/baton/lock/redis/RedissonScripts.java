package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import dev.baton.lock.redis.internal.Scripts;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;

/**
 * The Redisson adapter's recipes (read-write lock, semaphore, election) run Baton's own scripts on
 * Redisson's connections, exactly as the Jedis backend runs them, rather than Redisson's
 * {@code RReadWriteLock}, {@code RPermitExpirableSemaphore} or a latch: those have no fencing token
 * that survives Redis losing its data, no loss notification for a holder, a read-write lock that
 * is not writer-preferring, and a semaphore that does not notice two clients disagreeing on the
 * permits (see docs/ARCHITECTURE.md). The scripts' keys are Baton's, not Redisson's.
 *
 * <p>Scripts run blocking on the calling thread ({@link RScript#eval}), like Jedis' calls: the
 * caller's own thread for {@code acquire()}, two client threads for the rest. Wake-ups come on
 * Redisson's pub/sub connection ({@link RedissonWakeups}).
 *
 * <p>Thread-safe.
 */
final class RedissonScripts implements ScriptBackend {

    private final RedissonBackend backend;
    private final RScript script;
    private final String clientId = UUID.randomUUID().toString();
    private final AtomicLong leases = new AtomicLong();
    private final ThreadPoolExecutor attempts;
    private final ThreadPoolExecutor upkeep;
    private final RedissonWakeups wakeups;
    private volatile boolean unreachable;

    RedissonScripts(RedissonClient redisson, RedissonBackend backend) {
        this.backend = backend;
        this.script = redisson.getScript(StringCodec.INSTANCE);
        this.attempts = JedisBackend.pool("baton-redisson-attempt-" + clientId);
        this.upkeep = JedisBackend.pool("baton-redisson-upkeep-" + clientId);
        this.wakeups = new RedissonWakeups(redisson);
    }

    @Override
    public ClientRuntime runtime() {
        return backend.runtime();
    }

    @Override
    public String where() {
        return "(Redisson client)";
    }

    @Override
    public long giveUpNanos() {
        return backend.giveUpNanos();
    }

    @Override
    public long leaseMillis() {
        return backend.leaseMillis();
    }

    @Override
    public String newLeaseId() {
        return clientId + ":" + leases.incrementAndGet();
    }

    @Override
    public Executor attempts() {
        return attempts;
    }

    @Override
    public boolean seemsUnreachable() {
        return unreachable;
    }

    @Override
    public Wakeups wakeups() {
        return wakeups;
    }

    @Override
    public Object eval(Scripts.Script lua, List<String> keys, List<String> args) {
        List<Object> keyList = new ArrayList<>(keys);
        try {
            Object reply;
            try {
                // By SHA, as the Jedis backend sends them: a script's text is several hundred bytes.
                reply = script.evalSha(keys.get(0), RScript.Mode.READ_WRITE, lua.sha(), RScript.ReturnType.LIST, keyList,
                        args.toArray());
            } catch (RedisException e) {
                if (e.getMessage() == null || !e.getMessage().contains("NOSCRIPT")) {
                    throw e;
                }
                reply = script.eval(keys.get(0), RScript.Mode.READ_WRITE, lua.text(), RScript.ReturnType.LIST, keyList,
                        args.toArray());
            }
            unreachable = false;
            return reply;
        } catch (RuntimeException e) {
            if (RedissonBackend.isTransient(e)) {
                unreachable = true;
            }
            throw e;
        }
    }

    @Override
    public <T> CompletableFuture<T> upkeep(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, upkeep);
    }

    @Override
    public boolean isTransient(Throwable error) {
        return RedissonBackend.isTransient(error);
    }

    @Override
    public LockException lockException(String what, Throwable error) {
        return RedissonBackend.lockException(what, error);
    }

    /** Stops the threads and the subscriptions. */
    void shutdown() {
        wakeups.close();
        attempts.shutdownNow();
        upkeep.shutdownNow();
    }
}
