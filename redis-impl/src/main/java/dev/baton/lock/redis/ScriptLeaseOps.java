package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Renews and releases one lease by running its recipe's scripts ({@link RedisRecipe#leaseOps}).
 *
 * @param renewCall runs the renewal script, blocking; true if the lease was extended
 * @param releaseCall runs the release script, blocking
 */
record ScriptLeaseOps(ScriptBackend backend, BooleanSupplier renewCall, Runnable releaseCall) implements LeaseOps {

    @Override
    public CompletableFuture<Boolean> renew() {
        return backend.upkeep(renewCall::getAsBoolean);
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
                releaseCall.run();
                return CompletableFuture.completedFuture(null);
            } catch (RuntimeException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        try {
            return backend.upkeep(() -> {
                releaseCall.run();
                return null;
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }
}
