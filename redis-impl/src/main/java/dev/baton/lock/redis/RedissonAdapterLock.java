package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** A lock on the Redisson adapter: a handle; each request is a {@link RedissonAcquisition}. */
final class RedissonAdapterLock extends AbstractRedisLock {

    private final RedissonBackend backend;

    private final LockKeys keys;

    RedissonAdapterLock(RedissonBackend backend, LockKeys keys) {
        super(backend.runtime(), keys.name(), keys.name(), true);
        this.backend = backend;
        this.keys = keys;
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
