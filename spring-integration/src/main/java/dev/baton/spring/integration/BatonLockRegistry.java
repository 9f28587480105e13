package dev.baton.spring.integration;

import dev.baton.lock.LockClient;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import org.springframework.integration.support.locks.ExpirableLockRegistry;
import org.springframework.integration.support.locks.RenewableLockRegistry;

/**
 * A Spring Integration lock registry on any Baton backend, for {@code LockRegistryLeaderInitiator},
 * aggregators, {@code executeLocked} and anything else that takes a {@code LockRegistry}:
 *
 * <pre>{@code
 * @Bean
 * BatonLockRegistry lockRegistry(LockClient locks) {
 *     return new BatonLockRegistry(locks);
 * }
 * }</pre>
 *
 * <p>The locks it hands out keep {@link java.util.concurrent.locks.Lock}'s contract, which differs
 * from a Baton lease in two ways, bridged as Spring Integration's own registries do:
 * <ul>
 *   <li><em>Thread-owned.</em> A lease belongs to an object, a {@code Lock} to the thread that
 *       locked it: each lock keeps a local {@link java.util.concurrent.locks.ReentrantLock}, the thread
 *       holding it holds the lease, and {@code unlock()} from any other thread throws
 *       {@link IllegalMonitorStateException}. Threads of one registry queue locally; only the owner
 *       talks to the backend.
 *   <li><em>Reentrant.</em> A lease is not: a second acquire waits for the first. Here the first
 *       {@code lock()} of a thread takes the lease, nested ones count, and the last {@code unlock()}
 *       releases it.
 * </ul>
 * If the lease is lost while held (connection suspended, session expired, taken over, or a
 * {@linkplain org.springframework.integration.support.locks.DistributedLock#lock(Duration) time to
 * live} ran out), the final {@code unlock()} releases the local lock and throws
 * {@link java.util.ConcurrentModificationException}, as Spring Integration's Redis registry does for
 * an expired key: what the lock guarded may have overlapped another holder. {@link BatonLock#fencingToken()}
 * gives the owner its lease's token.
 *
 * <p>Lock objects are cached per key (at most {@link #setCacheCapacity} unlocked ones, least
 * recently used first out); {@link #expireUnusedOlderThan} drops unlocked ones early. Keys must be
 * strings; lock names are the optional prefix plus the key. {@link #renewLock} checks ownership and
 * validity: Baton renews its own leases, so there is nothing else to do, except to move a time to
 * live. The registry does not own the {@link LockClient}; {@link #close()} stops its timer.
 *
 * <p>Thread-safe.
 */
public final class BatonLockRegistry implements ExpirableLockRegistry<BatonLock>, RenewableLockRegistry<BatonLock>,
        AutoCloseable {

    /** Spring Integration's default cache capacity. */
    public static final int DEFAULT_CACHE_CAPACITY = 100_000;

    private final LockClient locks;
    private final String namePrefix;
    private final ScheduledThreadPoolExecutor timer;
    private final Map<String, BatonLock> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, BatonLock> eldest) {
            return size() > cacheCapacity && !eldest.getValue().isLockedLocally();
        }
    };
    private int cacheCapacity = DEFAULT_CACHE_CAPACITY;

    /** A registry whose lock names are the keys. */
    public BatonLockRegistry(LockClient locks) {
        this(locks, "");
    }

    /**
     * A registry whose lock names are {@code namePrefix} followed by the keys.
     *
     * @throws NullPointerException if an argument is null
     */
    public BatonLockRegistry(LockClient locks, String namePrefix) {
        this.locks = Objects.requireNonNull(locks, "locks");
        this.namePrefix = Objects.requireNonNull(namePrefix, "namePrefix");
        this.timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "baton-lock-registry-ttl");
            thread.setDaemon(true);
            return thread;
        });
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * How many lock objects to keep; the least recently used unlocked ones go first. Default
     * {@value #DEFAULT_CACHE_CAPACITY}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public void setCacheCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("cache capacity must be positive: " + capacity);
        }
        synchronized (cache) {
            cacheCapacity = capacity;
        }
    }

    /**
     * The lock for {@code lockKey}: the same object while it stays in the cache.
     *
     * @throws IllegalArgumentException if the key is not a {@code String}, or not a valid lock name
     */
    @Override
    public BatonLock obtain(Object lockKey) {
        if (!(lockKey instanceof String)) {
            throw new IllegalArgumentException("lock keys must be strings: " + lockKey);
        }
        String key = (String) lockKey;
        synchronized (cache) {
            return cache.computeIfAbsent(key, k -> new BatonLock(locks.lock(namePrefix + k), timer, this::trim));
        }
    }

    /**
     * Drops the least recently used unlocked locks beyond the capacity. Locked ones stay (dropping
     * one would give its key a second object, and its owner's nested lock would wait for itself),
     * so the cache can grow past its capacity while they are held; each final unlock trims it back.
     */
    void trim() {
        synchronized (cache) {
            Iterator<BatonLock> eldestFirst = cache.values().iterator();
            while (cache.size() > cacheCapacity && eldestFirst.hasNext()) {
                if (!eldestFirst.next().isLockedLocally()) {
                    eldestFirst.remove();
                }
            }
        }
    }

    /** Drops the cached lock objects that are not locked and were last used more than {@code age} ms ago. */
    @Override
    public void expireUnusedOlderThan(long age) {
        long now = System.currentTimeMillis();
        synchronized (cache) {
            Iterator<BatonLock> locksInCache = cache.values().iterator();
            while (locksInCache.hasNext()) {
                BatonLock lock = locksInCache.next();
                if (!lock.isLockedLocally() && now - lock.lastUsed() > age) {
                    locksInCache.remove();
                }
            }
        }
    }

    /**
     * Checks that the current thread holds the lock for {@code lockKey} and its lease is still
     * valid. Baton keeps its leases alive by itself, so nothing is sent.
     *
     * @throws IllegalStateException if the key has no lock, the thread does not hold it, or its
     *     lease was lost
     */
    @Override
    public void renewLock(Object lockKey) {
        owned(lockKey).checkRenewable();
    }

    /**
     * As {@link #renewLock(Object)}, and moves the lock's time to live to {@code ttl} from now.
     *
     * @throws IllegalStateException as for {@link #renewLock(Object)}
     */
    @Override
    public void renewLock(Object lockKey, Duration ttl) {
        BatonLock lock = owned(lockKey);
        lock.checkRenewable();
        lock.expireAfter(ttl);
    }

    private BatonLock owned(Object lockKey) {
        BatonLock lock;
        synchronized (cache) {
            lock = cache.get(lockKey);
        }
        if (lock == null) {
            throw new IllegalStateException("could not find a lock for key " + lockKey + " in this registry");
        }
        return lock;
    }

    /** How many lock objects the cache holds. For tests. */
    int cacheSize() {
        synchronized (cache) {
            return cache.size();
        }
    }

    /** Stops the time-to-live timer. Held leases stay held until unlocked. */
    @Override
    public void close() {
        timer.shutdownNow();
    }

    @Override
    public String toString() {
        return "BatonLockRegistry[" + locks.backend() + (namePrefix.isEmpty() ? "" : ", prefix " + namePrefix) + "]";
    }
}
