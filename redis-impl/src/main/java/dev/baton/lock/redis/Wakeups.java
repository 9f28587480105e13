package dev.baton.lock.redis;

/**
 * Release announcements, as a waiting request sees them: one pub/sub subscription per client
 * ({@link ReleaseSubscription} on Jedis, {@link RedissonWakeups} on Redisson's own pub/sub), with
 * a mark per channel so that a request can tell whether a release went by between sending an
 * attempt and starting to listen.
 */
interface Wakeups {

    /** The channel's mark now: take it before sending an attempt, pass it to {@link #watch} after. */
    long mark(String channel);

    /**
     * Calls {@code listener} for every message on {@code channel} from now on, and whenever the
     * subscription is (re)confirmed. Listeners must not block.
     *
     * @return true if a message may have gone by unseen since {@code mark}: try once more
     */
    boolean watch(String channel, Runnable listener, long mark);

    /** Stops calling {@code listener}. */
    void unwatch(String channel, Runnable listener);
}
