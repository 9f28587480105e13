package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** A lock on the Jedis backend: a handle, cheap to create; each request is a {@link JedisAcquisition}. */
final class JedisLock extends AbstractRedisLock {

    private final JedisBackend backend;

    JedisLock(JedisBackend backend, LockKeys keys) {
        super(backend.runtime(), keys);
        this.backend = backend;
    }

    @Override
    CompletableFuture<RedisLease> startRequest(long waitNanos, Executor attempts) {
        return new JedisAcquisition(backend, keys, waitNanos, attempts).start();
    }

    @Override
    Executor asyncAttempts() {
        return backend.attempts();
    }
}
