package dev.baton.lock.redis;

import java.time.Duration;
import java.util.Objects;

/**
 * How a Redis lock client names its keys and how long its leases live.
 *
 * <p>Keys are {@code <namespace>:lock:{<encoded name>}} (the lease), {@code <namespace>:fence:{<encoded name>}}
 * (the last fencing token) and, for the Redisson adapter, {@code <namespace>:rlock:{<encoded name>}}; the
 * braces are a Redis Cluster hash tag, so all keys of one lock live in one slot.
 *
 * @param namespace prefix of every key: 1 to 64 characters from {@code [A-Za-z0-9_.-]}
 * @param leaseTime how long a lease outlives its holder's last renewal; at least 50 ms
 */
public record RedisLockOptions(String namespace, Duration leaseTime) {

    /** The default namespace, {@code baton}. */
    public static final String DEFAULT_NAMESPACE = "baton";

    /** The shortest lease accepted. */
    public static final Duration MIN_LEASE_TIME = Duration.ofMillis(50);

    /**
     * Checks the options.
     *
     * @param namespace prefix of every key
     * @param leaseTime how long a lease outlives its holder's last renewal
     * @throws NullPointerException if either is null
     * @throws IllegalArgumentException if the namespace has characters outside {@code [A-Za-z0-9_.-]},
     *     is empty or longer than 64, or the lease time is shorter than {@link #MIN_LEASE_TIME}
     */
    public RedisLockOptions {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(leaseTime, "leaseTime");
        if (!namespace.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("Redis namespace must be 1 to 64 characters from [A-Za-z0-9_.-]: '"
                    + namespace + "'");
        }
        if (leaseTime.compareTo(MIN_LEASE_TIME) < 0) {
            throw new IllegalArgumentException("lease time must be at least " + MIN_LEASE_TIME.toMillis()
                    + " ms: " + leaseTime.toMillis() + " ms");
        }
    }

    /**
     * Namespace {@code baton} and the given lease time.
     *
     * @param leaseTime how long a lease outlives its holder's last renewal; at least 50 ms
     * @return the options
     * @throws IllegalArgumentException if {@code leaseTime} is shorter than {@link #MIN_LEASE_TIME}
     */
    public static RedisLockOptions withLeaseTime(Duration leaseTime) {
        return new RedisLockOptions(DEFAULT_NAMESPACE, leaseTime);
    }

    /**
     * Namespace {@code baton}, lease time 30 s (the default of {@code baton.lock.lease-time}).
     *
     * @return the options
     */
    public static RedisLockOptions defaults() {
        return withLeaseTime(Duration.ofSeconds(30));
    }
}
