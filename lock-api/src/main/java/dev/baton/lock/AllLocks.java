package dev.baton.lock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@link LockClient#lockAll} on any backend: the plain locks of the names, taken one at a time in
 * the names' natural order. A total order that every caller follows is what rules out deadlock
 * (no cycle of "holds one, waits for the next" can form); one round trip per part is the price,
 * since in Redis Cluster the parts live in different slots and cannot share a script.
 */
final class AllLocks implements MultiLock {

    private final List<String> names;
    private final List<DistributedLock> locks;

    private AllLocks(List<String> names, List<DistributedLock> locks) {
        this.names = names;
        this.locks = locks;
    }

    static MultiLock of(LockClient client, Collection<String> names) {
        Objects.requireNonNull(names, "names");
        if (names.isEmpty()) {
            throw new IllegalArgumentException("lockAll needs at least one name");
        }
        Set<String> seen = new HashSet<>();
        int index = 0;
        for (String name : names) {
            Objects.requireNonNull(name, "names[" + index + "] is null");
            LockNames.check(name);
            if (!seen.add(name)) {
                throw new IllegalArgumentException("lockAll was given the name '" + name + "' twice");
            }
            index++;
        }
        List<String> sorted = new ArrayList<>(seen);
        sorted.sort(null);
        List<DistributedLock> locks = new ArrayList<>(sorted.size());
        for (String name : sorted) {
            locks.add(client.lock(name));
        }
        return new AllLocks(List.copyOf(sorted), List.copyOf(locks));
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public String name() {
        return names.toString();
    }

    @Override
    public Lease acquire() throws InterruptedException {
        List<Lease> held = new ArrayList<>(locks.size());
        try {
            for (DistributedLock lock : locks) {
                held.add(lock.acquire());
            }
        } catch (InterruptedException | RuntimeException e) {
            releaseAll(held, e);
            throw e;
        }
        return new AllLease(name(), names, held);
    }

    @Override
    public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
        }
        long deadline = System.nanoTime() + saturatedNanos(maxWait);
        List<Lease> held = new ArrayList<>(locks.size());
        try {
            for (DistributedLock lock : locks) {
                Duration left = maxWait.isZero() ? Duration.ZERO
                        : Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
                Optional<Lease> part = lock.tryAcquire(left);
                if (part.isEmpty()) {
                    releaseAll(held, null);
                    return Optional.empty();
                }
                held.add(part.get());
            }
        } catch (InterruptedException | RuntimeException e) {
            releaseAll(held, e);
            throw e;
        }
        return Optional.of(new AllLease(name(), names, held));
    }

    @Override
    public CompletableFuture<Lease> acquireAsync() {
        AsyncAll request = new AsyncAll();
        request.next();
        return request.result;
    }

    private static long saturatedNanos(Duration wait) {
        try {
            return Math.min(wait.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    /** Releases {@code held} in reverse order; failures are attached to {@code cause}, if any. */
    static void releaseAll(List<Lease> held, Throwable cause) {
        for (int i = held.size() - 1; i >= 0; i--) {
            try {
                held.get(i).release();
            } catch (RuntimeException e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "MultiLock" + names;
    }

    /** One acquireAsync: the parts requested one after the other; cancelling withdraws the pending one. */
    private final class AsyncAll {
        private final List<Lease> held = new ArrayList<>();
        private final CompletableFuture<Lease> result = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                if (cancelled) {
                    abandon();
                }
                return cancelled;
            }
        };
        private CompletableFuture<Lease> pending;

        void next() {
            CompletableFuture<Lease> part;
            synchronized (this) {
                if (result.isDone()) {
                    return;
                }
                if (held.size() == locks.size()) {
                    if (!result.complete(new AllLease(name(), names, List.copyOf(held)))) {
                        releaseAll(held, null);
                    }
                    return;
                }
                try {
                    part = locks.get(held.size()).acquireAsync();
                } catch (RuntimeException e) {
                    fail(e);
                    return;
                }
                pending = part;
            }
            part.whenComplete((lease, error) -> {
                if (error != null) {
                    fail(error);
                    return;
                }
                boolean keep;
                synchronized (this) {
                    keep = !result.isDone();
                    if (keep) {
                        held.add(lease);
                    }
                }
                if (keep) {
                    next();
                } else {
                    lease.release();
                }
            });
        }

        private void fail(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof CancellationException && result.isCancelled()) {
                return;
            }
            List<Lease> release;
            synchronized (this) {
                release = List.copyOf(held);
                held.clear();
            }
            releaseAll(release, cause);
            result.completeExceptionally(cause instanceof LockException ? cause
                    : new LockException("lockAll" + names + " failed: " + cause, cause));
        }

        private void abandon() {
            CompletableFuture<Lease> part;
            List<Lease> release;
            synchronized (this) {
                part = pending;
                release = List.copyOf(held);
                held.clear();
            }
            if (part != null) {
                part.cancel(false);
            }
            // Not on the caller's thread: cancel() should not block on the backend.
            CompletableFuture.runAsync(() -> releaseAll(release, null));
        }
    }
}
