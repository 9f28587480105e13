package dev.baton.lock;

import dev.baton.lock.spi.Recipes;
import java.time.Duration;
import java.util.List;

/**
 * A {@link LockClient} that reports to a {@link LockListener} what its requests and leases do,
 * around any backend. Only {@link LockClients} builds one, and only when a listener is given, so
 * an unobserved client is the backend's own object.
 */
class ObservedLockClient implements LockClient {

    final LockClient delegate;
    final LockListener listener;

    ObservedLockClient(LockClient delegate, LockListener listener) {
        this.delegate = delegate;
        this.listener = listener;
    }

    static LockClient of(LockClient delegate, LockListener listener) {
        LockListener safe = SafeListener.of(listener);
        if (safe == LockListener.NONE) {
            return delegate;
        }
        return delegate instanceof LockInspection ? new Inspectable(delegate, safe) : new ObservedLockClient(delegate, safe);
    }

    @Override
    public DistributedLock lock(String name) {
        return new ObservedLock(delegate.lock(name), delegate.backend(), listener);
    }

    /** Both sides are observed, as plain locks of the name. */
    @Override
    public ReadWriteLock readWriteLock(String name) {
        ReadWriteLock rw = delegate.readWriteLock(name);
        return Recipes.readWriteLock(rw.name(), new ObservedLock(rw.readLock(), delegate.backend(), listener),
                new ObservedLock(rw.writeLock(), delegate.backend(), listener));
    }

    /** The backend's own semaphore: its permits are not reported to the listener yet. */
    @Override
    public DistributedSemaphore semaphore(String name, int permits) {
        return delegate.semaphore(name, permits);
    }

    /** The backend's own election: campaigns are not reported to the listener yet. */
    @Override
    public LeaderElection election(String name) {
        return delegate.election(name);
    }

    @Override
    public String backend() {
        return delegate.backend();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return delegate + " (observed by " + listener + ")";
    }

    /** The same, for backends that can list their held locks and check their connection. */
    static final class Inspectable extends ObservedLockClient implements LockInspection {

        Inspectable(LockClient delegate, LockListener listener) {
            super(delegate, listener);
        }

        @Override
        public List<LockInfo> heldLocks(String namePrefix) {
            return ((LockInspection) delegate).heldLocks(namePrefix);
        }

        @Override
        public Duration ping() {
            return ((LockInspection) delegate).ping();
        }

        @Override
        public List<CoordinationInfo> coordination(String namePrefix) {
            return ((LockInspection) delegate).coordination(namePrefix);
        }
    }
}
