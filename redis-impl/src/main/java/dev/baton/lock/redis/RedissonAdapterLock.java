package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;

/** A lock on the Redisson adapter: a handle; each request is a {@link RedissonAcquisition}. */
final class RedissonAdapterLock extends AbstractRedisLock {

    private final RedissonBackend backend;

    RedissonAdapterLock(RedissonBackend backend, LockKeys keys) {
        super(backend.runtime(), keys);
        this.backend = backend;
    }

    @Override
    CompletableFuture<RedisLease> startRequest(long waitNanos) {
        return new RedissonAcquisition(backend, keys, waitNanos).start();
    }
}
