package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** A lock on the Redisson adapter: a handle; each request is a {@link RedissonAcquisition}. */
final class RedissonAdapterLock extends AbstractRedisLock {

    private final RedissonBackend backend;

    RedissonAdapterLock(RedissonBackend backend, LockKeys keys) {
        super(backend.runtime(), keys);
        this.backend = backend;
    }

    /** Redisson never blocks a thread, so {@code attempts} is not needed. */
    @Override
    CompletableFuture<RedisLease> startRequest(long waitNanos, Executor attempts) {
        return new RedissonAcquisition(backend, keys, waitNanos).start();
    }

    @Override
    Executor asyncAttempts() {
        return Runnable::run;
    }
}
