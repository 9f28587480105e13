package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockListener;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.LockBackendProvider;
import java.util.List;

/**
 * The Jedis backend ({@code baton.backend=redis}), found by {@link java.util.ServiceLoader}. Reads
 * the keys in {@link RedisConfigKeys} and {@code baton.lock.lease-time}.
 *
 * <p>Stateless and thread-safe.
 */
public final class RedisLockProvider implements LockBackendProvider {

    /** For {@link java.util.ServiceLoader}. */
    public RedisLockProvider() {
    }

    /** Returns {@code redis}. */
    @Override
    public String name() {
        return "redis";
    }

    /** Returns {@link RedisConfigKeys#ALL}, the same keys the Redisson adapter declares. */
    @Override
    public List<ConfigKey<?>> configKeys() {
        return RedisConfigKeys.ALL;
    }

    /**
     * Connects with Jedis and checks that the server answers.
     *
     * @throws IllegalArgumentException if the keys are missing, contradict each other or name
     *     unreadable TLS stores
     * @throws dev.baton.lock.LockException if Redis cannot be reached within
     *     {@code baton.redis.connect-timeout} or refuses the credentials
     */
    @Override
    public LockClient open(BatonConfig config) {
        return RedisLockClient.open(RedisSettings.from(config));
    }

    /** {@inheritDoc} This backend reports lease renewals. */
    @Override
    public LockClient open(BatonConfig config, LockListener listener) {
        RedisLockClient client = RedisLockClient.open(RedisSettings.from(config));
        client.observe(listener);
        return client;
    }
}
