package dev.baton.lock.redis;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockListener;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.LockBackendProvider;
import java.util.List;

/**
 * The Redisson adapter ({@code baton.backend=redisson}), found by {@link java.util.ServiceLoader}. It
 * builds a Redisson client from the same keys as the Jedis backend ({@link RedisConfigKeys}); to use
 * a Redisson client the application already has, call
 * {@link RedissonLockClient#wrap(org.redisson.api.RedissonClient, java.time.Duration)} instead.
 *
 * <p>Redisson is an optional dependency of this module: this class loads without it, and
 * {@link #open} says so if it is missing.
 *
 * <p>Stateless and thread-safe.
 */
public final class RedissonLockProvider implements LockBackendProvider {

    /** For {@link java.util.ServiceLoader}. */
    public RedissonLockProvider() {
    }

    /** Returns {@code redisson}. */
    @Override
    public String name() {
        return "redisson";
    }

    /** Returns {@link RedisConfigKeys#ALL}, the same keys the Jedis backend declares. */
    @Override
    public List<ConfigKey<?>> configKeys() {
        return RedisConfigKeys.ALL;
    }

    /**
     * Builds a Redisson client and connects.
     *
     * @throws IllegalArgumentException if the keys are missing or contradict each other, or
     *     Redisson is not on the class path
     * @throws dev.baton.lock.LockException if Redis cannot be reached or refuses the credentials
     */
    @Override
    public LockClient open(BatonConfig config) {
        return open(config, LockListener.NONE);
    }

    /** {@inheritDoc} This backend reports lease renewals. */
    @Override
    public LockClient open(BatonConfig config, LockListener listener) {
        RedisSettings settings = RedisSettings.from(config);
        try {
            Class.forName("org.redisson.api.RedissonClient", false, RedissonLockProvider.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("configuration key baton.backend is 'redisson', but Redisson is not"
                    + " on the class path: add org.redisson:redisson, or use baton.backend=redis", e);
        }
        RedissonLockClient client = RedissonLockClient.open(settings);
        client.observe(listener);
        return client;
    }
}
