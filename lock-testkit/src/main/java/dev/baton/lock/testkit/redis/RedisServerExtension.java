package dev.baton.lock.testkit.redis;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.ServerExtension;
import dev.baton.lock.testkit.Timing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

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
public final class RedisServerExtension extends ServerExtension<EmbeddedRedis> {

    private static final Path ROOT = Path.of("target", "redis-tests");

    private final UnaryOperator<EmbeddedRedis.Builder> customizer;

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
    protected EmbeddedRedis startServer() {
        return customizer.apply(builder()).start();
    }

    @Override
    protected void stopServer(EmbeddedRedis running) {
        running.close();
    }

    /**
     * The running server, for its fault tools (kill, restart, pause).
     *
     * @throws IllegalStateException outside the class or test it runs for
     */
    public EmbeddedRedis server() {
        return running();
    }

    /** Its port on 127.0.0.1. */
    public int port() {
        return server().port();
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return server().uri();
    }

    @Override
    public String toString() {
        return "the redis-server";
    }
}
