package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.LockClients;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.spi.ConfigKey;
import dev.baton.lock.spi.LockBackendProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Reading {@code baton.redis.*}: what is accepted, and the message for each thing that is not. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RedisSettingsTest {

    private static RedisSettings settings(String... keysAndValues) {
        Map<String, String> raw = new HashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            raw.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        List<ConfigKey<?>> known = new ArrayList<>(BatonConfig.COMMON_KEYS);
        known.addAll(RedisConfigKeys.ALL);
        return RedisSettings.from(BatonConfig.parse(raw, known));
    }

    @Test
    void standaloneUriGivesHostPortDatabaseAndCredentials() {
        RedisSettings s = settings("baton.redis.uri", "redis://alice:p%40ss@cache.example:6380/3",
                "baton.lock.lease-time", "10s");
        assertThat(s.mode()).isEqualTo(RedisSettings.Mode.STANDALONE);
        assertThat(s.nodes()).containsExactly(new Endpoint("cache.example", 6380));
        assertThat(s.database()).isEqualTo(3);
        assertThat(s.user()).isEqualTo("alice");
        assertThat(s.password()).isEqualTo("p@ss");
        assertThat(s.tls().enabled()).isFalse();
        assertThat(s.options()).isEqualTo(new RedisLockOptions("baton", Duration.ofSeconds(10)));
        assertThat(s.describe()).doesNotContain("p@ss");
    }

    @Test
    void redissSchemeMeansTlsAndPortDefaultsTo6379() {
        RedisSettings s = settings("baton.redis.uri", "rediss://cache.example");
        assertThat(s.tls().enabled()).isTrue();
        assertThat(s.nodes()).containsExactly(new Endpoint("cache.example", 6379));
    }

    @Test
    void sentinelAndClusterNodesAreListsOfHostPort() {
        RedisSettings sentinel = settings("baton.redis.sentinel.master", "m",
                "baton.redis.sentinel.nodes", "a:26379, [::1]:26380");
        assertThat(sentinel.mode()).isEqualTo(RedisSettings.Mode.SENTINEL);
        assertThat(sentinel.nodes()).containsExactly(new Endpoint("a", 26379), new Endpoint("::1", 26380));
        RedisSettings cluster = settings("baton.redis.cluster.nodes", "a:7000,b:7001");
        assertThat(cluster.mode()).isEqualTo(RedisSettings.Mode.CLUSTER);
        assertThat(cluster.nodes()).hasSize(2);
    }

    @Test
    void contradictoryOrIncompleteCombinationsNameTheirKeys() {
        assertRejected("baton.redis.uri and baton.redis.cluster.nodes",
                "baton.redis.uri", "redis://a", "baton.redis.cluster.nodes", "a:7000");
        assertRejected("baton.redis.uri and baton.redis.sentinel.master",
                "baton.redis.uri", "redis://a", "baton.redis.sentinel.master", "m", "baton.redis.sentinel.nodes", "a:1");
        assertRejected("baton.redis.sentinel.nodes is missing", "baton.redis.sentinel.master", "m");
        assertRejected("baton.redis.sentinel.master is missing", "baton.redis.sentinel.nodes", "a:26379");
        assertRejected("no Redis deployment is configured", "baton.lock.lease-time", "5s");
        assertRejected("baton.redis.user is set but baton.redis.password is not",
                "baton.redis.uri", "redis://a", "baton.redis.user", "alice");
        assertRejected("give them once",
                "baton.redis.uri", "redis://:pw@a", "baton.redis.password", "pw");
        assertRejected("baton.redis.sentinel.password is set",
                "baton.redis.uri", "redis://a", "baton.redis.sentinel.password", "pw");
        assertRejected("baton.redis.tls.truststore is set but TLS is off",
                "baton.redis.uri", "redis://a", "baton.redis.tls.truststore", "/etc/hosts");
        assertRejected("baton.redis.tls.enabled is false",
                "baton.redis.uri", "rediss://a", "baton.redis.tls.enabled", "false");
        assertRejected("baton.redis.tls.truststore-password is set but baton.redis.tls.truststore is not",
                "baton.redis.uri", "rediss://a", "baton.redis.tls.truststore-password", "x");
        assertRejected("baton.redis.tls.truststore names a file that cannot be read",
                "baton.redis.uri", "rediss://a", "baton.redis.tls.truststore", "/no/such/store.p12");
        assertRejected("baton.redis.tls.truststore names a store that cannot be loaded",
                "baton.redis.uri", "rediss://a", "baton.redis.tls.truststore", "/etc/hosts");
        assertRejected("baton.redis.cluster.nodes has a malformed value",
                "baton.redis.cluster.nodes", "a:7000,b");
        assertRejected("baton.redis.namespace", "baton.redis.uri", "redis://a", "baton.redis.namespace", "a:b");
        assertRejected("baton.lock.lease-time", "baton.redis.uri", "redis://a", "baton.lock.lease-time", "10ms");
    }

    private static void assertRejected(String message, String... keysAndValues) {
        assertThatThrownBy(() -> settings(keysAndValues)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void bothProvidersAreInstalledAndDeclareTheSameKeys() {
        Map<String, List<ConfigKey<?>>> keys = new HashMap<>();
        ServiceLoader.load(LockBackendProvider.class).forEach(p -> keys.put(p.name(), p.configKeys()));
        assertThat(keys).containsKeys("redis", "redisson");
        assertThat(keys.get("redis")).isEqualTo(keys.get("redisson"));
        assertThat(keys.get("redis")).allMatch(k -> k.name().startsWith("baton.redis."));
    }

    @Test
    void misspelledKeyIsRejectedWithTheNearestKnownKey() {
        assertThatThrownBy(() -> LockClients.open(Map.of("baton.backend", "redis", "baton.redis.urii", "redis://a")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("did you mean 'baton.redis.uri'");
    }

    @Test
    void optionsRejectBadNamespacesAndShortLeases() {
        assertThatThrownBy(() -> new RedisLockOptions("a{b}", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> RedisLockOptions.withLeaseTime(Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lease time");
    }

    @Test
    void keysOfALockShareOneHashTagThatNoNameCanMove() {
        LockKeys keys = LockKeys.of("baton", "a}{b/../c");
        assertThat(keys.lock()).isEqualTo("baton:lock:{a%7D%7Bb%2F..%2Fc}");
        assertThat(keys.fence()).isEqualTo("baton:fence:{a%7D%7Bb%2F..%2Fc}");
        assertThat(keys.rlock()).isEqualTo("baton:rlock:{a%7D%7Bb%2F..%2Fc}");
    }
}
