package dev.baton.lock.redis;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import redis.clients.jedis.HostAndPortMapper;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Jedis backend ({@code baton.backend=redis}): locks on any Redis deployment Jedis reaches,
 * standalone, Sentinel or Cluster.
 *
 * <p>Each lease is a key {@code <namespace>:lock:{<name>}} holding a random lease id, with a TTL of
 * the lease time; acquire, renew and release are one Lua script each. Fencing tokens are
 * {@code max(last + 1, server TIME in microseconds)}, taken in the acquire script. A watchdog renews
 * every lease at a third of the lease time and completes {@link dev.baton.lock.Lease#lost()} before
 * the lease could have expired on the server. Waiters are woken by a pub/sub message on release,
 * through one subscription per client, with the holder's PTTL as a fallback.
 *
 * <p>Open one with {@link dev.baton.lock.LockClients#open(java.util.Map)}, or wrap a Jedis client the
 * application already has with {@link #wrap(UnifiedJedis, RedisLockOptions)}.
 *
 * <p>Thread-safe.
 */
public final class RedisLockClient extends RedisClientBase {

    private final UnifiedJedis jedis;
    private final boolean ownsJedis;
    private final JedisBackend backend;

    private RedisLockClient(UnifiedJedis jedis, boolean ownsJedis, RedisLockOptions options, String where,
            Duration timeout) {
        super(new ClientRuntime("redis", options, timeout));
        this.jedis = jedis;
        this.ownsJedis = ownsJedis;
        String clientId = UUID.randomUUID().toString();
        this.backend = new JedisBackend(jedis, runtime, where, timeout.toNanos() * 2, clientId);
        runtime.start(new ClientRuntime.Parts() {
            @Override
            public void start() {
                backend.subscription().start();
            }

            @Override
            public void stop() {
                backend.shutdown();
            }

            @Override
            public void closeConnection() {
                if (ownsJedis) {
                    jedis.close();
                }
            }
        });
    }

    /**
     * Builds a lock client on a Jedis client the application already has ({@code RedisClient},
     * {@code RedisClusterClient}, {@code RedisSentinelClient}, ...). The lock client borrows one
     * connection of its pool for the release subscription, and one for each blocking call while it
     * runs (on the caller's thread); closing the lock client does not close {@code jedis}. Nothing is
     * sent to Redis here. {@link dev.baton.lock.Lease#release()} waits for the server as long as
     * {@code jedis}' timeouts allow, or at most 3 s once a command has found Redis unreachable; a
     * waiting request gives up after 6 s of failed attempts.
     *
     * @param jedis the connection, whose socket timeout bounds every lock command
     * @param options key namespace and lease time
     * @return a client whose {@link #backend()} is {@code redis}
     * @throws NullPointerException if an argument is null
     */
    public static RedisLockClient wrap(UnifiedJedis jedis, RedisLockOptions options) {
        Objects.requireNonNull(jedis, "jedis");
        Objects.requireNonNull(options, "options");
        return new RedisLockClient(jedis, false, options, "(application's Jedis client)", Duration.ofSeconds(3));
    }

    /**
     * Connects as {@code settings} say, and checks the server answers.
     *
     * @throws LockException if Redis cannot be reached or refuses the credentials; nothing is left open
     */
    static RedisLockClient open(RedisSettings settings) {
        return open(settings, null);
    }

    /** As {@link #open(RedisSettings)}, with every server address rewritten by {@code mapper} (tests). */
    static RedisLockClient open(RedisSettings settings, HostAndPortMapper mapper) {
        UnifiedJedis jedis = JedisFactory.create(settings, mapper);
        try {
            jedis.ping();
        } catch (RuntimeException e) {
            jedis.close();
            throw Faults.lockException("open a lock client", e, settings.describe());
        }
        return new RedisLockClient(jedis, true, settings.options(), settings.describe(), settings.timeout());
    }

    @Override
    DistributedLock newLock(LockKeys keys) {
        return new ScriptedLock(backend, RedisRecipe.mutex(keys), keys.name(), true);
    }

    @Override
    ScriptBackend scripts() {
        return backend;
    }

    @Override
    List<LockInfo> scanHeldLocks(String namePrefix) {
        return JedisInspection.heldLocks(backend, jedis, runtime.options().namespace(), namePrefix);
    }

    @Override
    java.util.Set<String> scanKeys(String pattern) {
        return JedisInspection.lockKeys(jedis, pattern);
    }

    @Override
    LockException scanFailed(RuntimeException error) {
        return Faults.lockException("list the held locks", error, backend.where());
    }

    /**
     * {@inheritDoc}
     *
     * <p>Sends a {@code PING} on a pooled connection.
     */
    @Override
    public Duration ping() {
        runtime.checkOpen();
        long started = System.nanoTime();
        try {
            jedis.ping();
        } catch (RuntimeException e) {
            throw Faults.lockException("ping Redis", e, backend.where());
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** Returns {@code redis}. */
    @Override
    public String backend() {
        return "redis";
    }

    @Override
    public String toString() {
        return "RedisLockClient[" + backend.where() + ", " + runtime.options() + "]";
    }
}
