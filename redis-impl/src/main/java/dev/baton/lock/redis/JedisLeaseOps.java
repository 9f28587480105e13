package dev.baton.lock.redis;

import dev.baton.lock.redis.internal.Scripts;
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

    /**
     * Runs the release script on the calling thread if it waits anyway and Redis answered the last
     * command; otherwise on the upkeep thread, so that a caller is not held up by a server already
     * known to be unreachable.
     */
    @Override
    public CompletableFuture<Void> release(boolean callerWaits) {
        if (callerWaits && !backend.seemsUnreachable()) {
            try {
                releaseNow();
                return CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        try {
            return backend.upkeep(() -> {
                releaseNow();
                return null;
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void releaseNow() {
        backend.eval(Scripts.RELEASE, List.of(keys.lock()), List.of(leaseId, keys.channel()));
    }
}
