package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;

/** What a {@link RedisLease}'s watchdog asks of its backend, for that one lease. */
interface LeaseOps {

    /**
     * Restarts the lease's TTL if the key is still this lease's. Never blocks the caller.
     *
     * @return a future of true if extended, false if the key is gone or someone else's; completed
     *     exceptionally if the server could not be asked
     */
    CompletableFuture<Boolean> renew();

    /**
     * Deletes the key if it is still this lease's, and wakes waiters.
     *
     * @param callerWaits true if the calling thread is going to wait for the outcome anyway, so the
     *     backend may do the work on it
     * @return a future completed, possibly exceptionally, when done
     */
    CompletableFuture<Void> release(boolean callerWaits);
}
