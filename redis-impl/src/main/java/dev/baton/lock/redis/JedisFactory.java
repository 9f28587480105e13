package dev.baton.lock.redis;

import dev.baton.lock.LockException;
import java.io.File;
import java.util.LinkedHashSet;
import java.util.Set;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.HostAndPortMapper;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.RedisSentinelClient;
import redis.clients.jedis.SslOptions;
import redis.clients.jedis.SslVerifyMode;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/** Builds the Jedis client for {@link RedisSettings}. */
final class JedisFactory {

    /**
     * Connections per pool: one for the subscription, one for each blocking call under way (they run
     * on their callers' threads), one each for the attempt and upkeep threads. A call that finds
     * none free waits up to the connect timeout for one. Connections are opened on demand and idle
     * ones closed after a minute.
     */
    private static final int POOL_SIZE = 16;

    private JedisFactory() {
    }

    /**
     * Builds the client. Sentinel and Cluster clients talk to the servers here, to find the master or
     * the slots; a standalone client connects lazily.
     *
     * @param mapper rewrites the address of every Redis server (not Sentinel) before connecting; null
     *     for none. Tests route each client through a proxy of its own with it.
     * @throws LockException if the deployment cannot be reached or refuses the credentials
     */
    static UnifiedJedis create(RedisSettings settings, HostAndPortMapper mapper) {
        JedisClientConfig client = clientConfig(settings, settings.user(), settings.password(), settings.database(),
                mapper);
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(POOL_SIZE);
        pool.setMaxIdle(POOL_SIZE);
        pool.setMinIdle(0);
        pool.setMaxWait(settings.connectTimeout());
        try {
            switch (settings.mode()) {
                case STANDALONE:
                    return RedisClient.builder().hostAndPort(hostAndPort(settings.nodes().get(0)))
                            .clientConfig(client).poolConfig(pool).build();
                case SENTINEL:
                    return RedisSentinelClient.builder().masterName(settings.sentinelMaster())
                            .sentinels(hostsAndPorts(settings)).clientConfig(client)
                            .sentinelClientConfig(clientConfig(settings, null, settings.sentinelPassword(), 0, null))
                            .poolConfig(pool).build();
                default:
                    return RedisClusterClient.builder().nodes(hostsAndPorts(settings)).clientConfig(client)
                            .poolConfig(pool).maxTotalRetriesDuration(settings.timeout()).build();
            }
        } catch (JedisException e) {
            throw Faults.lockException("open a lock client", e, settings.describe());
        }
    }

    private static JedisClientConfig clientConfig(RedisSettings settings, String user, String password, int database,
            HostAndPortMapper mapper) {
        DefaultJedisClientConfig.Builder builder = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(settings.connectTimeoutMillis())
                .socketTimeoutMillis(settings.timeoutMillis())
                .database(database)
                .user(user)
                .password(password)
                .hostAndPortMapper(mapper);
        TlsSettings tls = settings.tls();
        if (tls.enabled()) {
            SslOptions.Builder ssl = SslOptions.builder()
                    .sslVerifyMode(tls.hostnameVerification() ? SslVerifyMode.FULL : SslVerifyMode.CA);
            if (tls.truststore() != null) {
                ssl.truststore(new File(tls.truststore()), TlsSettings.chars(tls.truststorePassword()));
            }
            if (tls.keystore() != null) {
                ssl.keystore(new File(tls.keystore()), TlsSettings.chars(tls.keystorePassword()));
            }
            builder.sslOptions(ssl.build());
        }
        return builder.build();
    }

    private static HostAndPort hostAndPort(Endpoint endpoint) {
        return new HostAndPort(endpoint.host(), endpoint.port());
    }

    private static Set<HostAndPort> hostsAndPorts(RedisSettings settings) {
        Set<HostAndPort> set = new LinkedHashSet<>();
        settings.nodes().forEach(n -> set.add(hostAndPort(n)));
        return set;
    }
}
