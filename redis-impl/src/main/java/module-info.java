/**
 * The Redis lock backends: Jedis ({@code baton.backend=redis}) and the Redisson adapter
 * ({@code baton.backend=redisson}, which needs Redisson on the module or class path). Only
 * {@code dev.baton.lock.redis} is API; {@code dev.baton.lock.redis.internal} is not exported.
 */
module dev.baton.lock.redis {
    requires transitive dev.baton.lock;
    requires transitive redis.clients.jedis;
    requires static transitive redisson;
    requires org.slf4j;

    exports dev.baton.lock.redis;

    provides dev.baton.lock.spi.LockBackendProvider
            with dev.baton.lock.redis.RedisLockProvider, dev.baton.lock.redis.RedissonLockProvider;
}
