package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import dev.baton.lock.redis.internal.Scripts;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * What a {@link ScriptedAcquisition} and its leases need of their client: scripts run on the
 * calling thread, the two threads for work nobody waits for, the release announcements, and what
 * a failure means. The Jedis backend ({@link JedisBackend}) runs every lock so; the Redisson
 * adapter ({@link RedissonScripts}) runs its recipes so, on Redisson's connections.
 */
interface ScriptBackend {

    ClientRuntime runtime();

    /** The deployment, for messages. */
    String where();

    /** How long a waiting request keeps retrying while Redis is unreachable. */
    long giveUpNanos();

    long leaseMillis();

    /** A lease id no other request of any client uses. */
    String newLeaseId();

    /** Where the attempts of requests nobody blocks on run; rejects work once the client is shut down. */
    Executor attempts();

    /** Whether the last command failed for want of a connection. */
    boolean seemsUnreachable();

    Wakeups wakeups();

    /** Runs {@code script} on the calling thread (blocking); its reply as the client decodes it. */
    Object eval(Scripts.Script script, List<String> keys, List<String> args);

    /** Runs a renewal or release on the upkeep thread. */
    <T> CompletableFuture<T> upkeep(Supplier<T> call);

    /** Whether waiting could cure {@code error}. */
    boolean isTransient(Throwable error);

    /** A {@link LockException} for {@code error}, saying what was being done and where. */
    LockException lockException(String what, Throwable error);
}
