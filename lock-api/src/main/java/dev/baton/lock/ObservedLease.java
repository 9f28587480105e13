package dev.baton.lock;

import dev.baton.lock.spi.LossSignal;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Lease} that reports its end, released or lost, exactly once. The loss is watched through
 * {@link LossSignal} where the backend offers it, so that observing costs the server nothing.
 */
final class ObservedLease implements Lease {

    private final Lease delegate;
    private final String backend;
    private final LockListener listener;
    private final long grantedAt;
    private final AtomicBoolean ended = new AtomicBoolean();

    ObservedLease(Lease delegate, String backend, LockListener listener, long grantedAt) {
        this.delegate = delegate;
        this.backend = backend;
        this.listener = listener;
        this.grantedAt = grantedAt;
        CompletableFuture<LossReason> loss = delegate instanceof LossSignal
                ? ((LossSignal) delegate).lossSignal() : delegate.lost();
        loss.thenAccept(reason -> {
            if (ended.compareAndSet(false, true)) {
                listener.lost(backend, delegate.lockName(), reason, held());
            }
        });
    }

    @Override
    public String lockName() {
        return delegate.lockName();
    }

    @Override
    public long fencingToken() {
        return delegate.fencingToken();
    }

    @Override
    public boolean isValid() {
        return delegate.isValid();
    }

    @Override
    public CompletableFuture<LossReason> lost() {
        return delegate.lost();
    }

    @Override
    public void release() {
        // A lease found invalid here was lost (or expires now, for a lease with a time-to-live): its
        // loss future reports that, so the release is not counted as one.
        boolean wasValid = delegate.isValid();
        delegate.release();
        if (wasValid && ended.compareAndSet(false, true)) {
            listener.released(backend, delegate.lockName(), held());
        }
    }

    @Override
    public void close() {
        release();
    }

    private Duration held() {
        return Duration.ofNanos(System.nanoTime() - grantedAt);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
