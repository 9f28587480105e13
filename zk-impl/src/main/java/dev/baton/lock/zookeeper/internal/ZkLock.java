package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A handle on one lock; every call starts an independent {@link AcquireAttempt}. A named lock's
 * queue is a container node Baton creates on demand; a queue the caller owns
 * ({@link LockEngine#lockAt}) is never created here: if it is missing, requests fail. The
 * lock's {@link QueueRule} says who holds it; its node tag marks its nodes for that rule.
 */
final class ZkLock implements DistributedLock {

    private final LockEngine engine;
    private final String name;
    private final String path;
    private final QueueKind kind;
    private final byte @Nullable [] nodeData;

    ZkLock(LockEngine engine, String name, String path, QueueKind kind) {
        this(engine, name, path, kind, null);
    }

    /** @param nodeData what this handle's queue nodes hold; null for the engine's {@code pid@host} */
    ZkLock(LockEngine engine, String name, String path, QueueKind kind, byte @Nullable [] nodeData) {
        this.engine = engine;
        this.name = name;
        this.path = path;
        this.kind = kind;
        this.nodeData = nodeData;
    }

    /** The data of this handle's queue nodes. */
    byte[] nodeData() {
        byte[] data = nodeData;
        return data == null ? engine.holderData() : data;
    }

    QueueRule rule() {
        return kind.rule();
    }

    String nodeTag() {
        return kind.nodeTag();
    }

    @Override
    public String name() {
        return name;
    }

    String path() {
        return path;
    }

    /** Whether the queue node belongs to the caller, so a missing one is an error, not something to create. */
    boolean callerOwnsQueue() {
        return kind.callerOwnsQueue();
    }

    @Override
    public Lease acquire() throws InterruptedException {
        AcquireAttempt attempt = create(false);
        try {
            attempt.startBlocking();
            return attempt.result.get();
        } catch (InterruptedException e) {
            abandon(attempt).ifPresent(Lease::release);
            throw e;
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    @Override
    public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
        Objects.requireNonNull(maxWait, "maxWait");
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("maxWait must not be negative: " + maxWait);
        }
        AcquireAttempt attempt = start(maxWait.isZero());
        try {
            return Optional.ofNullable(maxWait.isZero()
                    ? attempt.result.get()
                    : attempt.result.get(maxWait.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return abandon(attempt);
        } catch (InterruptedException e) {
            abandon(attempt).ifPresent(Lease::release);
            throw e;
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    @Override
    public CompletableFuture<Lease> acquireAsync() {
        AcquireAttempt attempt = start(false);
        AcquireFuture future = new AcquireFuture(attempt);
        attempt.result.whenComplete((lease, error) -> engine.deliver(() -> {
            if (error != null) {
                future.completeExceptionally(error);
            } else if (!future.complete(lease)) {
                lease.releaseInBackground();
            }
        }));
        return future;
    }

    private AcquireAttempt start(boolean oneShot) {
        AcquireAttempt attempt = create(oneShot);
        attempt.start();
        return attempt;
    }

    /** Test hook: an attempt, started, that the test can reach. */
    AcquireAttempt startAttempt() {
        return start(false);
    }

    private AcquireAttempt create(boolean oneShot) {
        if (engine.isShutDown()) {
            throw new LockException("the lock client of '" + name + "' is closed");
        }
        return new AcquireAttempt(engine, this, oneShot);
    }

    /** Withdraws; if the grant won the race, returns the lease so the caller decides its fate. */
    private static Optional<Lease> abandon(AcquireAttempt attempt) {
        if (attempt.withdraw() || attempt.result.isCompletedExceptionally()) {
            return Optional.empty();
        }
        // not withdrawable means it already ended: the result is in
        return Optional.ofNullable(attempt.result.join());
    }

    private static LockException unwrap(ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof LockException) {
            return (LockException) cause;
        }
        return new LockException("acquire failed: " + cause, cause);
    }

    @Override
    public String toString() {
        return "ZooKeeperLock[" + name + "]";
    }

    /** Cancelling it withdraws the request. */
    private static final class AcquireFuture extends CompletableFuture<Lease> {
        private final AcquireAttempt attempt;

        AcquireFuture(AcquireAttempt attempt) {
            this.attempt = attempt;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                attempt.withdraw();
            }
            return cancelled;
        }
    }
}
