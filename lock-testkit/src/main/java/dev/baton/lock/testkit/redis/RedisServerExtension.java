package dev.baton.lock.testkit.redis;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.Timing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real {@code redis-server} ({@link EmbeddedRedis}) for a test class or for each test:
 * registered on a static field it runs for the class, on an instance field each test gets its own
 * (for tests that kill, restart or pause it). Its working directories are under
 * {@code target/redis-tests}; the start timeout is scaled by {@link Timing}. Needs
 * {@code dev.baton:baton-embedded} on the test class path (an optional dependency of the testkit).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension REDIS = RedisServerExtension.create();
 * @RegisterExtension
 * static final RedisServerExtension SECURED = RedisServerExtension.create(b -> b.args("--requirepass", "pw"));
 * }</pre>
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private static final Path ROOT = Path.of("target", "redis-tests");

    private final UnaryOperator<EmbeddedRedis.Builder> customizer;
    private @Nullable EmbeddedRedis server;
    private boolean perTest;

    private RedisServerExtension(UnaryOperator<EmbeddedRedis.Builder> customizer) {
        this.customizer = customizer;
    }

    /** A plain server. */
    public static RedisServerExtension create() {
        return new RedisServerExtension(UnaryOperator.identity());
    }

    /** A server {@code customizer} configures (arguments, TLS). */
    public static RedisServerExtension create(UnaryOperator<EmbeddedRedis.Builder> customizer) {
        return new RedisServerExtension(customizer);
    }

    /** A builder with the test defaults: {@code target/redis-tests}, a scaled start timeout. */
    public static EmbeddedRedis.Builder builder() {
        return EmbeddedRedis.builder().directory(ROOT).startTimeout(Timing.scaled(Duration.ofSeconds(15)));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        server = customizer.apply(builder()).start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (server == null) {
            perTest = true;
            server = customizer.apply(builder()).start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    private void stop() {
        EmbeddedRedis running = server;
        server = null;
        if (running != null) {
            running.close();
        }
    }

    /**
     * The running server.
     *
     * @throws IllegalStateException outside the class or test it runs for
     */
    public EmbeddedRedis server() {
        EmbeddedRedis running = server;
        if (running == null) {
            throw new IllegalStateException("the redis-server runs only while its class or test does");
        }
        return running;
    }

    /** Its port on 127.0.0.1. */
    public int port() {
        return server().port();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return server().uri();
    }
}
