package dev.baton.lock.redis;

import java.net.MalformedURLException;
import java.net.URL;
import java.nio.file.Path;
import org.redisson.config.BaseConfig;
import org.redisson.config.ClusterServersConfig;
import org.redisson.config.Config;
import org.redisson.config.ReadMode;
import org.redisson.config.SentinelServersConfig;
import org.redisson.config.SingleServerConfig;
import org.redisson.config.SslVerificationMode;

/** Builds a Redisson {@link Config} for {@link RedisSettings}: a small client made for locking. */
final class RedissonConfigs {

    private RedissonConfigs() {
    }

    static Config from(RedisSettings settings) {
        Config config = new Config();
        config.setThreads(2);
        config.setNettyThreads(2);
        credentialsAndTls(config, settings);
        String scheme = settings.tls().enabled() ? "rediss://" : "redis://";
        switch (settings.mode()) {
            case STANDALONE:
                SingleServerConfig single = config.useSingleServer()
                        .setAddress(scheme + settings.nodes().get(0))
                        .setDatabase(settings.database())
                        .setConnectionMinimumIdleSize(2)
                        .setConnectionPoolSize(8)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(4);
                common(single, settings);
                break;
            case SENTINEL:
                SentinelServersConfig sentinel = config.useSentinelServers()
                        .setMasterName(settings.sentinelMaster())
                        .setSentinelPassword(settings.sentinelPassword())
                        .setCheckSentinelsList(false)
                        .setReadMode(ReadMode.MASTER)
                        .setMasterConnectionMinimumIdleSize(2)
                        .setMasterConnectionPoolSize(8)
                        .setSlaveConnectionMinimumIdleSize(1)
                        .setSlaveConnectionPoolSize(2)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(4);
                settings.nodes().forEach(n -> sentinel.addSentinelAddress(scheme + n));
                common(sentinel, settings);
                break;
            default:
                ClusterServersConfig cluster = config.useClusterServers()
                        .setReadMode(ReadMode.MASTER)
                        .setMasterConnectionMinimumIdleSize(2)
                        .setMasterConnectionPoolSize(8)
                        .setSlaveConnectionMinimumIdleSize(1)
                        .setSlaveConnectionPoolSize(2)
                        .setSubscriptionConnectionMinimumIdleSize(1)
                        .setSubscriptionConnectionPoolSize(4);
                settings.nodes().forEach(n -> cluster.addNodeAddress(scheme + n));
                common(cluster, settings);
                break;
        }
        return config;
    }

    private static void common(BaseConfig<?> server, RedisSettings settings) {
        server.setConnectTimeout(settings.connectTimeoutMillis());
        server.setTimeout(settings.timeoutMillis());
        server.setRetryAttempts(1);
    }

    private static void credentialsAndTls(Config config, RedisSettings settings) {
        config.setUsername(settings.user());
        config.setPassword(settings.password());
        TlsSettings tls = settings.tls();
        if (!tls.enabled()) {
            return;
        }
        config.setSslVerificationMode(tls.hostnameVerification() ? SslVerificationMode.STRICT : SslVerificationMode.CA_ONLY);
        if (tls.truststore() != null) {
            config.setSslTruststore(url(tls.truststore()));
            config.setSslTruststorePassword(tls.truststorePassword());
        }
        if (tls.keystore() != null) {
            config.setSslKeystore(url(tls.keystore()));
            config.setSslKeystorePassword(tls.keystorePassword());
        }
    }

    private static URL url(String path) {
        try {
            return Path.of(path).toAbsolutePath().toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("cannot turn " + path + " into a URL", e);
        }
    }
}
