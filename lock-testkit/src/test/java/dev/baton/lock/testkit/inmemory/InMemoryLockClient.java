package dev.baton.lock.testkit.inmemory;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockNames;
import dev.baton.lock.LossReason;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A reference backend in memory, built to pass the contract: it shows the contract can be passed,
 * and, broken on purpose, that its tests fail. A cut connection loses every lease at once (like
 * ZooKeeper's suspended policy) and the server expires the session after the horizon.
 */
final class InMemoryLockClient implements LockClient {

    private final InMemoryLockServer server;
    private final ScheduledExecutorService timer;
    private final ExecutorService callbacks = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "in-memory-lock-callback");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<MemoryLease> leases = ConcurrentHashMap.newKeySet();
    private final Set<Request> pending = ConcurrentHashMap.newKeySet();
    private final Object state = new Object();
    private Object session = new Object(); // guarded by state, as are the three below
    private boolean connected = true;
    private boolean closed;
    private ScheduledFuture<?> expiry;

    InMemoryLockClient(InMemoryLockServer server, ScheduledExecutorService timer) {
        this.server = server;
        this.timer = timer;
    }

    @Override
    public DistributedLock lock(String name) {
        LockNames.check(name);
        synchronized (state) {
            if (closed) {
                throw new IllegalStateException("client is closed");
            }
        }
        return new MemoryLock(name);
    }

    @Override
    public String backend() {
        return "in-memory";
    }

    @Override
    public void close() {
        Object ended;
        synchronized (state) {
            if (closed) {
                return;
            }
            closed = true;
            ended = session;
        }
        List.copyOf(leases).forEach(lease -> lease.lose(LossReason.CLIENT_CLOSED));
        List.copyOf(pending).forEach(r -> r.future.completeExceptionally(new LockException("client closed")));
        server.expire(ended);
        callbacks.shutdown();
        try {
            callbacks.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void cut(Duration horizon) {
        synchronized (state) {
            if (!connected || closed) {
                return;
            }
            connected = false;
            Object cutSession = session;
            expiry = timer.schedule(() -> server.expire(cutSession), horizon.toNanos(), TimeUnit.NANOSECONDS);
        }
        List.copyOf(leases).forEach(lease -> lease.lose(LossReason.CONNECTION_SUSPENDED));
        List.copyOf(pending).forEach(r -> r.future.completeExceptionally(new LockException("connection lost")));
    }

    void restore() {
        synchronized (state) {
            if (connected) {
                return;
            }
            connected = true;
            expiry.cancel(false);
            server.expire(session);
            session = new Object();
        }
    }

    private Object usableSession() {
        synchronized (state) {
            if (closed) {
                throw new LockException("client is closed");
            }
            if (!connected) {
                throw new LockException("not connected");
            }
            return session;
        }
    }

    private void callback(Runnable task) {
        try {
            callbacks.execute(task);
        } catch (RejectedExecutionException e) {
            CompletableFuture.runAsync(task);
        }
    }

    private static void abandon(CompletableFuture<Lease> future) {
        if (!future.cancel(false)) {
            future.thenAccept(Lease::release);
        }
    }

    private static RuntimeException unwrap(ExecutionException e) {
        return e.getCause() instanceof RuntimeException r ? r : new LockException("acquire failed", e.getCause());
    }

    private final class MemoryLock implements DistributedLock {
        private final String name;
        private final String path;

        MemoryLock(String name) {
            this.name = name;
            this.path = InMemoryLockServer.NAMESPACE + "/" + LockNames.encode(name);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Lease acquire() throws InterruptedException {
            CompletableFuture<Lease> future = acquireAsync();
            try {
                return future.get();
            } catch (InterruptedException e) {
                abandon(future);
                throw e;
            } catch (ExecutionException e) {
                throw unwrap(e);
            }
        }

        @Override
        public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
            Objects.requireNonNull(maxWait, "maxWait");
            if (maxWait.isNegative()) {
                throw new IllegalArgumentException("maxWait is negative: " + maxWait);
            }
            if (maxWait.isZero()) {
                Object owner = usableSession();
                long token = server.tryLock(owner, path);
                return token < 0 ? Optional.empty() : Optional.of(register(new MemoryLease(name, path, owner, token)));
            }
            CompletableFuture<Lease> future = acquireAsync();
            try {
                return Optional.of(future.get(maxWait.toNanos(), TimeUnit.NANOSECONDS));
            } catch (TimeoutException e) {
                return future.cancel(false) ? Optional.empty() : Optional.of(future.join());
            } catch (InterruptedException e) {
                abandon(future);
                throw e;
            } catch (ExecutionException e) {
                throw unwrap(e);
            }
        }

        @Override
        public CompletableFuture<Lease> acquireAsync() {
            Object owner;
            try {
                owner = usableSession();
            } catch (LockException e) {
                return CompletableFuture.failedFuture(e);
            }
            Request request = new Request(name, owner);
            pending.add(request);
            request.future.whenComplete((lease, failure) -> {
                pending.remove(request);
                if (failure != null) {
                    server.withdraw(path, request);
                }
            });
            server.enqueue(path, request);
            return request.future;
        }
    }

    private MemoryLease register(MemoryLease lease) {
        leases.add(lease);
        synchronized (state) {
            if (closed) {
                lease.lose(LossReason.CLIENT_CLOSED);
                throw new LockException("client is closed");
            }
        }
        return lease;
    }

    private final class Request implements InMemoryLockServer.Waiter {
        private final String name;
        private final Object owner;
        private final CompletableFuture<Lease> future = new CompletableFuture<>();

        Request(String name, Object owner) {
            this.name = name;
            this.owner = owner;
        }

        @Override
        public Object session() {
            return owner;
        }

        @Override
        public void granted(String path, long token) {
            callback(() -> {
                MemoryLease lease = new MemoryLease(name, path, owner, token);
                leases.add(lease);
                if (!future.complete(lease)) {
                    lease.release();
                }
            });
        }
    }

    private enum State { HELD, RELEASED, LOST }

    private final class MemoryLease implements Lease {
        private final String name;
        private final String path;
        private final Object owner;
        private final long token;
        private final AtomicReference<State> leaseState = new AtomicReference<>(State.HELD);
        private final CompletableFuture<LossReason> lost = new CompletableFuture<>();

        MemoryLease(String name, String path, Object owner, long token) {
            this.name = name;
            this.path = path;
            this.owner = owner;
            this.token = token;
        }

        @Override
        public String lockName() {
            return name;
        }

        @Override
        public long fencingToken() {
            if (leaseState.get() != State.HELD) {
                throw new IllegalStateException("lease for " + name + " is " + leaseState.get());
            }
            return token;
        }

        @Override
        public boolean isValid() {
            return leaseState.get() == State.HELD;
        }

        @Override
        public CompletableFuture<LossReason> lost() {
            return lost.copy();
        }

        @Override
        public void release() {
            if (leaseState.compareAndSet(State.HELD, State.RELEASED)) {
                leases.remove(this);
                freeOnServer();
            }
        }

        @Override
        public void close() {
            release();
        }

        void lose(LossReason reason) {
            if (leaseState.compareAndSet(State.HELD, State.LOST)) {
                leases.remove(this);
                if (reason == LossReason.CLIENT_CLOSED) {
                    freeOnServer();
                }
                callback(() -> lost.complete(reason));
            }
        }

        private void freeOnServer() {
            synchronized (state) {
                if (owner == session && connected) {
                    server.release(owner, path, token);
                }
            }
        }
    }
}
