package dev.baton.spring.boot;

import dev.baton.lock.LockListener;
import dev.baton.lock.LossReason;
import java.time.Duration;
import java.util.List;

/** Every {@link LockListener} bean of the application, as one. */
final class CompositeLockListener implements LockListener {

    private final List<LockListener> listeners;

    private CompositeLockListener(List<LockListener> listeners) {
        this.listeners = listeners;
    }

    static LockListener of(List<LockListener> listeners) {
        if (listeners.isEmpty()) {
            return LockListener.NONE;
        }
        return listeners.size() == 1 ? listeners.get(0) : new CompositeLockListener(List.copyOf(listeners));
    }

    @Override
    public void acquireStarted(String backend, String lockName) {
        listeners.forEach(l -> l.acquireStarted(backend, lockName));
    }

    @Override
    public void acquired(String backend, String lockName, Duration waited) {
        listeners.forEach(l -> l.acquired(backend, lockName, waited));
    }

    @Override
    public void acquireFailed(String backend, String lockName, Duration waited, AcquireFailure failure) {
        listeners.forEach(l -> l.acquireFailed(backend, lockName, waited, failure));
    }

    @Override
    public void released(String backend, String lockName, Duration held) {
        listeners.forEach(l -> l.released(backend, lockName, held));
    }

    @Override
    public void lost(String backend, String lockName, LossReason reason, Duration held) {
        listeners.forEach(l -> l.lost(backend, lockName, reason, held));
    }

    @Override
    public void renewed(String backend, String lockName) {
        listeners.forEach(l -> l.renewed(backend, lockName));
    }

    @Override
    public void renewalFailed(String backend, String lockName, LossReason reason) {
        listeners.forEach(l -> l.renewalFailed(backend, lockName, reason));
    }

    @Override
    public void connectionStateChanged(String backend, String state) {
        listeners.forEach(l -> l.connectionStateChanged(backend, state));
    }

    @Override
    public String toString() {
        return listeners.toString();
    }
}
