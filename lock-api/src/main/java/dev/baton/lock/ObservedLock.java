package dev.baton.lock;

import dev.baton.lock.LockListener.AcquireFailure;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** A {@link DistributedLock} whose requests report their start and end to a {@link LockListener}. */
final class ObservedLock implements DistributedLock {

    private final DistributedLock delegate;
    private final String backend;
    private final LockListener listener;

    ObservedLock(DistributedLock delegate, String backend, LockListener listener) {
        this.delegate = delegate;
        this.backend = backend;
        this.listener = listener;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public Lease acquire() throws InterruptedException {
        long started = start();
        try {
            return granted(delegate.acquire(), started);
        } catch (InterruptedException e) {
            failed(started, AcquireFailure.CANCELLED);
            throw e;
        } catch (RuntimeException | Error e) {
            failed(started, AcquireFailure.FAILED);
            throw e;
        }
    }

    @Override
    public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
        long started = start();
        Optional<Lease> lease;
        try {
            lease = delegate.tryAcquire(maxWait);
        } catch (InterruptedException e) {
            failed(started, AcquireFailure.CANCELLED);
            throw e;
        } catch (RuntimeException | Error e) {
            failed(started, AcquireFailure.FAILED);
            throw e;
        }
        if (lease.isEmpty()) {
            failed(started, AcquireFailure.TIMED_OUT);
            return lease;
        }
        return Optional.of(granted(lease.get(), started));
    }

    @Override
    public CompletableFuture<Lease> acquireAsync() {
        long started = start();
        CompletableFuture<Lease> inner;
        try {
            inner = delegate.acquireAsync();
        } catch (RuntimeException | Error e) {
            failed(started, AcquireFailure.FAILED);
            throw e;
        }
        // Cancelling what the caller holds must withdraw the backend's request, as the contract says.
        CompletableFuture<Lease> outer = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                if (cancelled) {
                    inner.cancel(mayInterruptIfRunning);
                }
                return cancelled;
            }
        };
        inner.whenComplete((lease, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                failed(started, cause instanceof CancellationException ? AcquireFailure.CANCELLED : AcquireFailure.FAILED);
                outer.completeExceptionally(cause);
                return;
            }
            Lease observed = granted(lease, started);
            if (!outer.complete(observed)) {
                observed.release(); // the caller cancelled as the grant came: nobody will release it
            }
        });
        return outer;
    }

    private long start() {
        listener.acquireStarted(backend, delegate.name());
        return System.nanoTime();
    }

    private void failed(long started, AcquireFailure failure) {
        listener.acquireFailed(backend, delegate.name(), Duration.ofNanos(System.nanoTime() - started), failure);
    }

    private Lease granted(Lease lease, long started) {
        long now = System.nanoTime();
        listener.acquired(backend, delegate.name(), Duration.ofNanos(now - started));
        return new ObservedLease(lease, backend, listener, now);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
