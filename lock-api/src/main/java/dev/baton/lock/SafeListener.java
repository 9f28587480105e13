package dev.baton.lock;

import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands events to a user's {@link LockListener} so that its faults never reach the lock: an
 * exception is logged (at WARN the first time, then at DEBUG) and dropped.
 */
final class SafeListener implements LockListener {

    private static final Logger LOG = LoggerFactory.getLogger(SafeListener.class);

    private final LockListener listener;
    private volatile boolean warned;

    private SafeListener(LockListener listener) {
        this.listener = listener;
    }

    static LockListener of(LockListener listener) {
        Objects.requireNonNull(listener, "listener");
        return listener == NONE || listener instanceof SafeListener ? listener : new SafeListener(listener);
    }

    @Override
    public void acquireStarted(String backend, String lockName) {
        try {
            listener.acquireStarted(backend, lockName);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void acquired(String backend, String lockName, Duration waited) {
        try {
            listener.acquired(backend, lockName, waited);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void acquireFailed(String backend, String lockName, Duration waited, AcquireFailure failure) {
        try {
            listener.acquireFailed(backend, lockName, waited, failure);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void released(String backend, String lockName, Duration held) {
        try {
            listener.released(backend, lockName, held);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void lost(String backend, String lockName, LossReason reason, Duration held) {
        try {
            listener.lost(backend, lockName, reason, held);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void renewed(String backend, String lockName) {
        try {
            listener.renewed(backend, lockName);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void renewalFailed(String backend, String lockName, LossReason reason) {
        try {
            listener.renewalFailed(backend, lockName, reason);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    @Override
    public void connectionStateChanged(String backend, String state) {
        try {
            listener.connectionStateChanged(backend, state);
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void failed(RuntimeException e) {
        if (!warned) {
            warned = true;
            LOG.warn("lock listener {} failed; its events are dropped while it fails", listener, e);
        } else {
            LOG.debug("lock listener {} failed", listener, e);
        }
    }

    @Override
    public String toString() {
        return listener.toString();
    }
}
