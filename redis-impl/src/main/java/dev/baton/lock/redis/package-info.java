/**
 * The Redis lock backends: {@link dev.baton.lock.redis.RedisLockClient} on Jedis
 * ({@code baton.backend=redis}) and {@link dev.baton.lock.redis.RedissonLockClient} on Redisson's
 * {@code RLock} ({@code baton.backend=redisson}), with their providers and the shared
 * {@code baton.redis.*} keys in {@link dev.baton.lock.redis.RedisConfigKeys}.
 *
 * <p>Both keep a lease as a key with a time-to-live, renewed by a watchdog that completes
 * {@link dev.baton.lock.Lease#lost()} before the key could expire, and take fencing tokens as
 * {@code max(last + 1, server TIME in microseconds)} so that they never go backwards, even after Redis
 * loses its data. Everything else in this package is package-private.
 */
@NullMarked
package dev.baton.lock.redis;

import org.jspecify.annotations.NullMarked;
