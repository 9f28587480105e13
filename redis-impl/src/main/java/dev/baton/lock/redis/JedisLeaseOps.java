package dev.baton.lock.redis;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Renews and releases one Jedis-backend lease, identified by its lease id. */
record JedisLeaseOps(JedisBackend backend, LockKeys keys, String leaseId) implements LeaseOps {

    @Override
    public CompletableFuture<Boolean> renew() {
        return backend.upkeep(() -> Long.valueOf(1).equals(backend.eval(Scripts.RENEW,
                List.of(keys.lock(), keys.fence()), List.of(leaseId, Long.toString(backend.leaseMillis()),
                        Long.toString(Scripts.FENCE_TTL.toMillis())))));
    }

    @Override
    public CompletableFuture<Void> release() {
        try {
            return backend.upkeep(() -> {
                backend.eval(Scripts.RELEASE, List.of(keys.lock()), List.of(leaseId, keys.channel()));
                return null;
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
