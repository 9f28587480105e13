package dev.baton.lock.redis;

import dev.baton.lock.CoordinationInfo;
import dev.baton.lock.DistributedLock;
import dev.baton.lock.DistributedSemaphore;
import dev.baton.lock.LeaderElection;
import dev.baton.lock.ReadWriteLock;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockListener;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import java.util.List;
import java.util.Objects;

/**
 * What the Jedis backend and the Redisson adapter share as lock clients: the {@link ClientRuntime}
 * (and with it the lifecycle and the one close sequence), lock handles, inspection and options.
 * Each backend adds its lock type and its scan of held locks.
 *
 * <p>Thread-safe.
 */
abstract class RedisClientBase implements LockClient, LockInspection {

    final ClientRuntime runtime;

    RedisClientBase(ClientRuntime runtime) {
        this.runtime = runtime;
    }

    /** A handle on the lock with these keys. */
    abstract DistributedLock newLock(LockKeys keys);

    /** Where the recipes' scripts run. */
    abstract ScriptBackend scripts();

    /** The backend's scan of held locks whose names start with {@code namePrefix}. */
    abstract List<LockInfo> scanHeldLocks(String namePrefix);

    /** The keys matching {@code pattern} (SCAN, on every node of a cluster). */
    abstract java.util.Set<String> scanKeys(String pattern);

    /** The {@link LockException} for a scan that failed with {@code error}. */
    abstract LockException scanFailed(RuntimeException error);

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public final DistributedLock lock(String name) {
        runtime.checkOpen();
        return newLock(LockKeys.of(runtime.options().namespace(), name));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Readers are members of {@code <ns>:rw:{name}} and the writer is {@code <ns>:rw-writer:{name}},
     * each with the lease TTL; a waiting writer's intent (in {@code <ns>:rw-waiting:{name}}) stops
     * new readers. One script per attempt.
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public final ReadWriteLock readWriteLock(String name) {
        runtime.checkOpen();
        return RedisRecipes.readWriteLock(scripts(), name);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Holders are members of {@code <ns>:sem:{name}} scored with their expiry; a crashed
     * holder's permit returns when its lease time runs out.
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public final DistributedSemaphore semaphore(String name, int permits) {
        runtime.checkOpen();
        return RedisRecipes.semaphore(scripts(), name, permits);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The leader is the hash {@code <ns>:elect:{name}} with the lease TTL.
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public final LeaderElection election(String name) {
        runtime.checkOpen();
        return new RedisElection(scripts(), name, "");
    }

    /**
     * {@inheritDoc}
     *
     * <p>Scans the lock keys in this namespace (on every node of a cluster), so it costs a pass
     * over the keyspace: for operators, not for hot paths. The holder is the lease id (Jedis) or
     * Redisson's owner field ({@code <Redisson client id>:<owner id>}); the backends record no time
     * of acquisition ({@code since} is empty) and keep no queue ({@code waiters} is -1).
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public final List<LockInfo> heldLocks(String namePrefix) {
        Objects.requireNonNull(namePrefix, "namePrefix");
        runtime.checkOpen();
        try {
            return scanHeldLocks(namePrefix);
        } catch (RuntimeException e) {
            throw scanFailed(e);
        }
    }

    /** Reports this client's lease renewals to {@code listener}. */
    final void observe(LockListener listener) {
        runtime.listener(listener);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Scans the recipes' keys in this namespace (on every node of a cluster), then runs one
     * read-only script per name: for operators, not for hot paths. Redis keeps no queue, so
     * {@code waiters} counts the writers waiting on a read-write lock and is -1 otherwise; the
     * token is the last one handed out for the name.
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public final List<CoordinationInfo> coordination(String namePrefix) {
        Objects.requireNonNull(namePrefix, "namePrefix");
        runtime.checkOpen();
        try {
            return RecipeInspection.list(scripts(), this::scanKeys, namePrefix);
        } catch (RuntimeException e) {
            throw scanFailed(e);
        }
    }

    /**
     * The key namespace and lease time of this client.
     *
     * @return the options
     */
    public final RedisLockOptions options() {
        return runtime.options();
    }

    /**
     * Fails pending requests, releases held leases (their {@code lost()} completes with
     * {@link dev.baton.lock.LossReason#CLIENT_CLOSED}), waits briefly for the releases, then stops
     * the client's threads and, if this client opened it, the connection (the Jedis client, or the
     * Redisson client). Idempotent; never throws.
     */
    @Override
    public final void close() {
        runtime.stop();
    }

    /** Test hook: stalls (or resumes) the watchdog's renewals, as a paused process would. */
    final void pauseRenewals(boolean paused) {
        runtime.pauseRenewals(paused);
    }
}
