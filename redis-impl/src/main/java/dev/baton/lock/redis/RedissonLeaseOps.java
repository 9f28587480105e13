package dev.baton.lock.redis;

import dev.baton.lock.redis.internal.Scripts;
import java.util.concurrent.CompletableFuture;

/** Renews and releases one Redisson-adapter lease, identified by its owner id. */
record RedissonLeaseOps(RedissonBackend backend, LockKeys keys, long ownerId) implements LeaseOps {

    @Override
    public CompletableFuture<Boolean> renew() {
        return backend.eval(Scripts.REDISSON_RENEW, keys, ownerId).thenApply(result -> result == 1L);
    }

    /**
     * Redisson's own unlock for this owner, asynchronous whoever waits; it fails, harmlessly, if
     * the owner no longer holds the lock.
     */
    @Override
    public CompletableFuture<Void> release(boolean callerWaits) {
        return backend.lock(keys).unlockAsync(ownerId).toCompletableFuture();
    }
}
