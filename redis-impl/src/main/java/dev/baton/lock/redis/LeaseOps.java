package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;

/** What a {@link RedisLease}'s watchdog asks of its backend, for that one lease. */
interface LeaseOps {

    /**
     * Restarts the lease's TTL if the key is still this lease's.
     *
     * @return a future of true if extended, false if the key is gone or someone else's; completed
     *     exceptionally if the server could not be asked
     */
    CompletableFuture<Boolean> renew();

    /** Deletes the key if it is still this lease's, and wakes waiters. Completes, possibly exceptionally, when done. */
    CompletableFuture<Void> release();
}
