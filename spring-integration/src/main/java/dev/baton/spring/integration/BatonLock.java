package dev.baton.spring.integration;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import java.time.Duration;
import java.util.ConcurrentModificationException;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link java.util.concurrent.locks.Lock} from a {@link BatonLockRegistry}: thread-owned and
 * reentrant, over one Baton lease taken by the first {@code lock} of the owning thread and released
 * by its last {@code unlock}. See {@link BatonLockRegistry} for how the contracts are bridged.
 *
 * <p>Thread-safe, in the sense of {@code Lock}: any thread may try to lock it; only the owner may
 * unlock it.
 */
public final class BatonLock implements org.springframework.integration.support.locks.DistributedLock {

    private final DistributedLock lock;
    private final ScheduledExecutorService timer;
    private final Runnable unlocked;
    private final ReentrantLock local = new ReentrantLock();
    /** Written by the owning thread; read by the owner and by the time-to-live timer. */
    private volatile Lease lease;
    private volatile long lastUsed = System.currentTimeMillis();
    private ScheduledFuture<?> expiry;

    BatonLock(DistributedLock lock, ScheduledExecutorService timer, Runnable unlocked) {
        this.lock = lock;
        this.timer = timer;
        this.unlocked = unlocked;
    }

    /** The Baton lock name. */
    public String name() {
        return lock.name();
    }

    /**
     * The fencing token of the lease the current thread holds.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold this lock
     * @throws IllegalStateException if the lease was lost
     */
    public long fencingToken() {
        checkOwner();
        return lease.fencingToken();
    }

    /**
     * Waits for the lock, uninterruptibly as {@code Lock.lock()} promises (an interrupt is kept for
     * later).
     *
     * @throws dev.baton.lock.LockException if the backend fails
     */
    @Override
    public void lock() {
        local.lock();
        if (local.getHoldCount() > 1) {
            return;
        }
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    lease = lock.acquire();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } catch (RuntimeException | Error e) {
            local.unlock();
            throw e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        touch();
    }

    /**
     * Waits for the lock, then lets it expire after {@code ttl} unless unlocked or renewed first
     * ({@link BatonLockRegistry#renewLock(Object, Duration)}).
     */
    @Override
    public void lock(Duration ttl) {
        lock();
        if (local.getHoldCount() == 1) {
            expireAfter(ttl);
        }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
        local.lockInterruptibly();
        if (local.getHoldCount() > 1) {
            return;
        }
        try {
            lease = lock.acquire();
        } catch (InterruptedException | RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
        touch();
    }

    @Override
    public boolean tryLock() {
        try {
            return tryLock(0, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(Math.max(0, time));
        if (!local.tryLock(time, unit)) {
            return false;
        }
        if (local.getHoldCount() > 1) {
            return true;
        }
        Optional<Lease> granted;
        try {
            granted = lock.tryAcquire(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        } catch (InterruptedException | RuntimeException | Error e) {
            local.unlock();
            throw e;
        }
        if (granted.isEmpty()) {
            local.unlock();
            return false;
        }
        lease = granted.get();
        touch();
        return true;
    }

    @Override
    public boolean tryLock(Duration waitTime, Duration ttl) throws InterruptedException {
        if (!tryLock(waitTime.toNanos(), TimeUnit.NANOSECONDS)) {
            return false;
        }
        if (local.getHoldCount() == 1) {
            expireAfter(ttl);
        }
        return true;
    }

    /**
     * Unlocks once; the last unlock of the owning thread releases the lease.
     *
     * @throws IllegalMonitorStateException if the current thread does not hold the lock
     * @throws ConcurrentModificationException if the lease had been lost before this final unlock;
     *     the lock is unlocked all the same
     */
    @Override
    public void unlock() {
        checkOwner();
        if (local.getHoldCount() > 1) {
            local.unlock();
            return;
        }
        Lease held = lease;
        lease = null;
        try {
            cancelExpiry();
            boolean valid = held.isValid();
            held.release();
            if (!valid) {
                throw new ConcurrentModificationException("the lease on lock '" + lock.name() + "' was lost before"
                        + " unlock (" + reason(held) + "): what it guarded may have overlapped another holder");
            }
        } finally {
            touch();
            local.unlock();
            unlocked.run();
        }
    }

    /** Not supported: a condition would need the lock's owner to wait while others hold the lease. */
    @Override
    public Condition newCondition() {
        throw new UnsupportedOperationException("conditions are not supported by distributed locks");
    }

    boolean isLockedLocally() {
        return local.isLocked();
    }

    long lastUsed() {
        return lastUsed;
    }

    void checkRenewable() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalStateException("the current thread does not hold lock '" + lock.name() + "'");
        }
        if (!lease.isValid()) {
            throw new IllegalStateException("the lease on lock '" + lock.name() + "' was lost (" + reason(lease) + ")");
        }
    }

    /** Releases the lease {@code ttl} from now unless the owner unlocks first. Called by the owner. */
    synchronized void expireAfter(Duration ttl) {
        cancelExpiry();
        Lease held = lease;
        try {
            expiry = timer.schedule(held::release, Math.max(0, ttl.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            // the registry is closed: the lease lives until unlocked
        }
    }

    private synchronized void cancelExpiry() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }

    private void checkOwner() {
        if (!local.isHeldByCurrentThread()) {
            throw new IllegalMonitorStateException("You do not own lock '" + lock.name() + "'");
        }
    }

    private void touch() {
        lastUsed = System.currentTimeMillis();
    }

    private static String reason(Lease lease) {
        var lost = lease.lost().getNow(null);
        return lost == null ? "expired" : lost.toString();
    }

    @Override
    public String toString() {
        return "BatonLock[" + lock.name() + (local.isLocked() ? ", locked" : "") + "]";
    }
}
