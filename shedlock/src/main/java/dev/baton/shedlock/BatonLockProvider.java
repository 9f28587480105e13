package dev.baton.shedlock;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * A ShedLock {@link net.javacrumbs.shedlock.core.LockProvider} on any Baton backend:
 *
 * <pre>{@code
 * @Bean
 * LockProvider lockProvider(LockClient locks) {
 *     return new BatonLockProvider(locks);
 * }
 * }</pre>
 *
 * <p>Each ShedLock lock is a Baton lease on the same name (after an optional prefix), taken with
 * one attempt ({@code tryAcquire(Duration.ZERO)}): a lock held elsewhere is an empty answer, as
 * ShedLock expects. ShedLock's two durations keep their meaning:
 * <ul>
 *   <li>{@code lockAtMostFor}: the lease is released at {@code lockAtMostUntil} if the task has not
 *       unlocked by then (and a warning is logged, since another node may now run the task). If the
 *       holder dies, Baton frees the lock sooner: when its ZooKeeper session expires or its Redis
 *       lease runs out.
 *   <li>{@code lockAtLeastFor}: an unlock before {@code lockAtLeastUntil} keeps the lease until then.
 *       This holds while this process lives; if it dies meanwhile, the lock is freed as above.
 * </ul>
 * Locks can be extended ({@link SimpleLock#extend}, ShedLock's {@code LockExtender}) while their
 * {@code lockAtMostUntil} has not passed.
 *
 * <p>Infrastructure faults are ShedLock's {@link net.javacrumbs.shedlock.support.LockException}
 * with Baton's {@link LockException} as the cause. The provider does not own the {@link LockClient};
 * {@link #close()} stops its timer and releases the leases it still keeps for {@code lockAtLeastFor}.
 *
 * <p>Thread-safe.
 */
public final class BatonLockProvider implements ExtensibleLockProvider, AutoCloseable {

    private final LockClient locks;
    private final String namePrefix;
    private final ScheduledThreadPoolExecutor timer;
    private final Set<HeldLease> held = ConcurrentHashMap.newKeySet();

    /** A provider whose lock names are ShedLock's names. */
    public BatonLockProvider(LockClient locks) {
        this(locks, "");
    }

    /**
     * A provider whose lock names are {@code namePrefix} followed by ShedLock's names, so that
     * scheduled tasks cannot collide with other locks of the application ({@code "scheduled/"}).
     *
     * @throws NullPointerException if an argument is null
     */
    public BatonLockProvider(LockClient locks, String namePrefix) {
        this.locks = Objects.requireNonNull(locks, "locks");
        this.namePrefix = Objects.requireNonNull(namePrefix, "namePrefix");
        this.timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "baton-shedlock-timer");
            thread.setDaemon(true);
            return thread;
        });
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /**
     * Takes the lock if nobody holds it, with one attempt.
     *
     * @return the lock, or empty if it is held (or still kept for someone's {@code lockAtLeastFor})
     * @throws net.javacrumbs.shedlock.support.LockException if the backend fails
     */
    @Override
    public Optional<SimpleLock> lock(LockConfiguration configuration) {
        String name = namePrefix + configuration.getName();
        Optional<Lease> lease;
        try {
            lease = locks.lock(name).tryAcquire(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } catch (LockException e) {
            throw new net.javacrumbs.shedlock.support.LockException("cannot lock '" + name + "': " + e.getMessage(), e);
        }
        if (lease.isEmpty()) {
            return Optional.empty();
        }
        HeldLease heldLease = new HeldLease(lease.get(), timer, held::remove);
        held.add(heldLease);
        heldLease.expireAt(configuration.getLockAtMostUntil());
        return Optional.of(new BatonSimpleLock(configuration, heldLease));
    }

    /** Stops the timer and releases every lease still kept for {@code lockAtLeastFor}. Idempotent. */
    @Override
    public void close() {
        timer.shutdownNow();
        held.forEach(HeldLease::releaseNow);
    }

    @Override
    public String toString() {
        return "BatonLockProvider[" + locks.backend() + (namePrefix.isEmpty() ? "" : ", prefix " + namePrefix) + "]";
    }
}
