package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * Opening a client against real servers: passwords, ACL users, TLS, and the ways that goes wrong,
 * each of which must be a clear {@link LockException} or {@link IllegalArgumentException} at once,
 * never a hang.
 */
abstract class ConnectionTestBase {

    static final String PASSWORD = "s3cret-pw";
    static final Duration FAST = Timing.scaled(Duration.ofSeconds(6));

    private static final TlsFixture certificates = TlsFixture.create(Path.of("target", "redis-tests", "tls"));
    @RegisterExtension
    static final RedisServerExtension SECURED = RedisServerExtension.create(b -> b.args("--requirepass", PASSWORD));
    @RegisterExtension
    static final RedisServerExtension TLS = RedisServerExtension.create(
            b -> b.tls(certificates.certificate(), certificates.key()));

    /** A certificate for another host name only: trusted, but not this server's address. */
    private static final TlsFixture elsewhere = TlsFixture.create(Path.of("target", "redis-tests", "tls-elsewhere"),
            "elsewhere.invalid", "dns:elsewhere.invalid");
    @RegisterExtension
    static final RedisServerExtension TLS_ELSEWHERE = RedisServerExtension.create(
            b -> b.tls(elsewhere.certificate(), elsewhere.key()));

    /** {@code redis} or {@code redisson}. */
    abstract String backendName();

    /** The ACL rules the test user gets: what this backend needs. */
    abstract String aclRules();


    private Map<String, String> config(String uri) {
        Map<String, String> config = new HashMap<>();
        config.put("baton.backend", backendName());
        config.put("baton.redis.uri", uri);
        config.put("baton.redis.connect-timeout", "2s");
        config.put("baton.redis.timeout", "2s");
        return config;
    }

    private static LockClient openFast(Map<String, String> config) {
        return assertTimeoutPreemptively(FAST, () -> LockClients.open(config), "opening must not hang");
    }

    @Test
    void passwordInTheUriOrInTheKeysOpensTheServer() throws Exception {
        try (LockClient client = openFast(config("redis://:" + PASSWORD + "@127.0.0.1:" + SECURED.port()))) {
            client.lock("a").acquire().release();
        }
        Map<String, String> config = config("redis://127.0.0.1:" + SECURED.port());
        config.put("baton.redis.password", PASSWORD);
        try (LockClient client = openFast(config)) {
            client.lock("a").acquire().release();
        }
    }

    @Test
    void wrongPasswordIsAFastLockExceptionThatNamesAuthentication() {
        Map<String, String> config = config("redis://127.0.0.1:" + SECURED.port());
        config.put("baton.redis.password", "wrong-pw");
        assertThatThrownBy(() -> openFast(config)).isInstanceOf(LockException.class)
                .hasMessageContaining("authentication").hasMessageNotContaining("wrong-pw");
    }

    @Test
    void missingPasswordIsAFastLockExceptionThatNamesAuthentication() {
        assertThatThrownBy(() -> openFast(config("redis://127.0.0.1:" + SECURED.port())))
                .isInstanceOf(LockException.class).hasMessageContaining("authentication");
    }

    @Test
    @SuppressWarnings("deprecation") // UnifiedJedis has no typed ACL SETUSER; sendCommand is the way
    void aclUserWithItsPasswordCanLockAndWithAWrongOneCannot() throws Exception {
        String user = "baton-" + backendName();
        try (RedisClient admin = RedisClient.builder().hostAndPort("127.0.0.1", SECURED.port())
                .clientConfig(redis.clients.jedis.DefaultJedisClientConfig.builder().password(PASSWORD).build())
                .build()) {
            String[] rules = ("SETUSER " + user + " reset on >user-pw resetchannels " + aclRules()).split(" ");
            admin.sendCommand(Protocol.Command.ACL, rules);
        }
        Map<String, String> config = config("redis://127.0.0.1:" + SECURED.port());
        config.put("baton.redis.user", user);
        config.put("baton.redis.password", "user-pw");
        try (LockClient holder = openFast(config); LockClient waiter = openFast(config)) {
            Lease lease = holder.lock("acl/1").acquire();
            CompletableFuture<Lease> waiting = waiter.lock("acl/1").acquireAsync();
            lease.release();
            waiting.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS).release();
        }
        config.put("baton.redis.password", "not-the-user-pw");
        assertThatThrownBy(() -> openFast(config)).isInstanceOf(LockException.class)
                .hasMessageContaining("authentication");
    }

    @Test
    void serverThatIsNotThereIsAFastLockExceptionNamingTheAddress() {
        int port = EmbeddedRedis.freePort(false);
        assertThatThrownBy(() -> openFast(config("redis://127.0.0.1:" + port)))
                .isInstanceOf(LockException.class).hasMessageContaining(Integer.toString(port));
    }

    @Test
    void malformedUriIsAnIllegalArgumentExceptionNamingTheKey() {
        for (String uri : new String[] {"127.0.0.1:6379", "http://127.0.0.1:6379", "redis://:pw@:6379",
                "redis://127.0.0.1:6379/x", "redis://127.0.0.1:99999", "redis://[::1"}) {
            assertThatThrownBy(() -> openFast(config(uri))).as(uri).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("baton.redis.uri");
        }
        assertThatThrownBy(() -> openFast(config("redis://user:hunter2@127.0.0.1:6379/db")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("hunter2");
    }

    @Test
    void tlsWithTheServersCertificateTrustedWorks() throws Exception {
        Map<String, String> config = config("rediss://127.0.0.1:" + TLS.port());
        config.put("baton.redis.tls.truststore", certificates.truststore().toString());
        config.put("baton.redis.tls.truststore-password", certificates.truststorePassword());
        try (LockClient holder = openFast(config); LockClient waiter = openFast(config)) {
            Lease lease = holder.lock("tls/1").acquire();
            CompletableFuture<Lease> waiting = waiter.lock("tls/1").acquireAsync();
            lease.release();
            Lease next = waiting.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
            assertThat(next.isValid()).isTrue();
            next.release();
        }
    }

    /**
     * A trusted certificate for another host name is refused, as {@code tls.hostname-verification}
     * (default true) says, and accepted with it off.
     */
    @Test
    void aTrustedCertificateForAnotherHostIsRefusedUnlessHostNameVerificationIsOff() throws Exception {
        Map<String, String> config = config("rediss://127.0.0.1:" + TLS_ELSEWHERE.port());
        config.put("baton.redis.tls.truststore", elsewhere.truststore().toString());
        config.put("baton.redis.tls.truststore-password", elsewhere.truststorePassword());
        assertThatThrownBy(() -> openFast(config)).isInstanceOf(LockException.class);
        config.put("baton.redis.tls.hostname-verification", "false");
        try (LockClient client = openFast(config)) {
            client.lock("tls/elsewhere").acquire().release();
        }
    }

    @Test
    void tlsWithAnUntrustedCertificateIsAFastLockException() {
        assertThatThrownBy(() -> openFast(config("rediss://127.0.0.1:" + TLS.port())))
                .isInstanceOf(LockException.class);
    }

    @Test
    void plainTextToATlsPortIsAFastLockException() {
        assertThatThrownBy(() -> openFast(config("redis://127.0.0.1:" + TLS.port())))
                .isInstanceOf(LockException.class);
    }
}
