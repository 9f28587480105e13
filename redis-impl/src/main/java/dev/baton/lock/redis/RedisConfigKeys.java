package dev.baton.lock.redis;

import dev.baton.lock.spi.ConfigKey;
import java.time.Duration;
import java.util.List;

/**
 * The configuration keys of both Redis backends ({@code baton.backend=redis} and
 * {@code baton.backend=redisson}). Both providers declare the same keys, so a configuration is
 * accepted whichever of the two is installed.
 *
 * <p>Exactly one deployment is chosen: {@link #URI} (standalone), {@link #SENTINEL_MASTER} with
 * {@link #SENTINEL_NODES} (Sentinel), or {@link #CLUSTER_NODES} (Cluster). Contradictory combinations
 * are rejected at open with an {@link IllegalArgumentException} that names the keys.
 *
 * <p>Constants only; thread-safe.
 */
public final class RedisConfigKeys {

    /** Standalone server: {@code redis://[[user]:password@]host[:port][/database]}, or {@code rediss://} for TLS. */
    public static final ConfigKey<String> URI = ConfigKey.string("baton.redis.uri", null,
            "Standalone Redis: redis://[[user]:password@]host[:port][/database], or rediss:// for TLS.");
    /** ACL user name (Redis 6 and later); needs {@link #PASSWORD}. */
    public static final ConfigKey<String> USER = ConfigKey.string("baton.redis.user", null,
            "ACL user name (Redis 6+); needs baton.redis.password.");
    /** Password sent with AUTH: the ACL user's password if {@link #USER} is set, else the default user's. */
    public static final ConfigKey<String> PASSWORD = ConfigKey.secret("baton.redis.password",
            "Password for AUTH: the ACL user's if baton.redis.user is set, else the default user's.");
    /** Sentinel deployment: the name of the monitored master; needs {@link #SENTINEL_NODES}. */
    public static final ConfigKey<String> SENTINEL_MASTER = ConfigKey.string("baton.redis.sentinel.master", null,
            "Sentinel: the name of the master the sentinels monitor; needs baton.redis.sentinel.nodes.");
    /** Sentinel deployment: the sentinels, {@code host:port[,host:port...]}. */
    public static final ConfigKey<String> SENTINEL_NODES = ConfigKey.string("baton.redis.sentinel.nodes", null,
            "Sentinel: the sentinels, host:port[,host:port...]; needs baton.redis.sentinel.master.");
    /** Password of the sentinels themselves, when they require AUTH. */
    public static final ConfigKey<String> SENTINEL_PASSWORD = ConfigKey.secret("baton.redis.sentinel.password",
            "Password of the sentinels themselves, when they require one.");
    /** Cluster deployment: seed nodes, {@code host:port[,host:port...]}; the rest are discovered. */
    public static final ConfigKey<String> CLUSTER_NODES = ConfigKey.string("baton.redis.cluster.nodes", null,
            "Redis Cluster: seed nodes, host:port[,host:port...]; the other nodes are discovered.");
    /** Speak TLS; implied by a {@code rediss://} URI. */
    public static final ConfigKey<Boolean> TLS_ENABLED = ConfigKey.bool("baton.redis.tls.enabled", false,
            "Connect with TLS (implied by a rediss:// URI).");
    /** Trust store (PKCS12 or JKS) with the servers' CA; the JVM's default trust store when absent. */
    public static final ConfigKey<String> TLS_TRUSTSTORE = ConfigKey.string("baton.redis.tls.truststore", null,
            "Path of the trust store (PKCS12 or JKS) holding the Redis servers' CA; default: the JVM's.");
    /** Password of the trust store. */
    public static final ConfigKey<String> TLS_TRUSTSTORE_PASSWORD = ConfigKey.secret(
            "baton.redis.tls.truststore-password", "Password of the trust store.");
    /** Key store with this client's certificate, for servers that authenticate clients. */
    public static final ConfigKey<String> TLS_KEYSTORE = ConfigKey.string("baton.redis.tls.keystore", null,
            "Path of the key store (PKCS12 or JKS) with this client's certificate, when the server requires one.");
    /** Password of the key store. */
    public static final ConfigKey<String> TLS_KEYSTORE_PASSWORD = ConfigKey.secret(
            "baton.redis.tls.keystore-password", "Password of the key store.");
    /** Whether the server's certificate must match its host name. */
    public static final ConfigKey<Boolean> TLS_HOSTNAME_VERIFICATION = ConfigKey.bool(
            "baton.redis.tls.hostname-verification", true, "Check that the server's certificate matches its host name.");
    /** How long opening a connection may take. */
    public static final ConfigKey<Duration> CONNECT_TIMEOUT = ConfigKey.duration("baton.redis.connect-timeout",
            Duration.ofSeconds(5), "How long connecting to a Redis server may take before it counts as failed.");
    /** How long one command may wait for its reply. */
    public static final ConfigKey<Duration> TIMEOUT = ConfigKey.duration("baton.redis.timeout",
            Duration.ofSeconds(3), "How long one Redis command may wait for its reply before it counts as failed.");
    /** The prefix of every key Baton writes. */
    public static final ConfigKey<String> NAMESPACE = ConfigKey.string("baton.redis.namespace",
            RedisLockOptions.DEFAULT_NAMESPACE, "Prefix of every key Baton writes ([A-Za-z0-9_.-], at most 64).");

    /** Every key above, in a stable order. */
    public static final List<ConfigKey<?>> ALL = List.of(URI, USER, PASSWORD, SENTINEL_MASTER, SENTINEL_NODES,
            SENTINEL_PASSWORD, CLUSTER_NODES, TLS_ENABLED, TLS_TRUSTSTORE, TLS_TRUSTSTORE_PASSWORD, TLS_KEYSTORE,
            TLS_KEYSTORE_PASSWORD, TLS_HOSTNAME_VERIFICATION, CONNECT_TIMEOUT, TIMEOUT, NAMESPACE);

    private RedisConfigKeys() {
    }
}
