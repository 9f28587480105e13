package dev.baton.soak.cluster;

import dev.baton.embedded.EmbeddedRedis;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import redis.clients.jedis.Jedis;

/**
 * One {@code redis-server} (or Sentinel) of a soak, started by the project's one launcher,
 * {@link EmbeddedRedis} (a {@code redis-server} on the PATH, else the embedded-redis jar's binary;
 * no persistence, so a restart after {@link #kill()} starts empty, as after a crash that lost the
 * data). This adds what the nemesis needs on top: whether it runs, an admin connection, and the
 * settings the launcher leaves at their test defaults, applied again after every restart.
 *
 * <p>Not thread-safe: the nemesis is its one owner.
 */
final class RedisNode implements AutoCloseable {

    private final EmbeddedRedis server;
    private final Consumer<RedisNode> configure;
    private boolean running = true;

    private RedisNode(EmbeddedRedis server, Consumer<RedisNode> configure) {
        this.server = server;
        this.configure = configure;
        configure.accept(this);
    }

    /** A plain server with extra arguments ({@code --replicaof host port}, ...), started. */
    static RedisNode server(Path root, String... extra) {
        return new RedisNode(EmbeddedRedis.builder().directory(root).args(extra).start(), node -> { });
    }

    /** A cluster node with no slots yet, started; failover after {@code nodeTimeout}, whatever the replica's lag. */
    static RedisNode clusterNode(Path root, Duration nodeTimeout) {
        EmbeddedRedis server = EmbeddedRedis.builder().directory(root).clusterNode()
                .args("--cluster-replica-validity-factor", "0").start();
        // The launcher's nodes time out after 3 s; set again after every restart.
        return new RedisNode(server, node -> node.configSet("cluster-node-timeout", Long.toString(nodeTimeout.toMillis())));
    }

    /** A Sentinel watching {@code master} as {@code name} with a quorum of one, started and tuned. */
    static RedisNode sentinel(Path root, RedisNode master, String name, Duration downAfter) {
        EmbeddedRedis server = EmbeddedRedis.builder().directory(root).sentinelOf(master.server, name).start();
        RedisNode sentinel = new RedisNode(server, node -> { });
        // The launcher's Sentinel waits 3 s before it calls a master down; the soak wants its own figure.
        try (Jedis admin = sentinel.admin()) {
            admin.sentinelSet(name, java.util.Map.of("down-after-milliseconds", Long.toString(downAfter.toMillis()),
                    "failover-timeout", "10000"));
        }
        return sentinel;
    }

    int port() {
        return server.port();
    }

    boolean running() {
        return running;
    }

    /** Starts it again after {@link #kill()}, on the same port and directory, empty; a no-op while it runs. */
    void start() {
        if (!running) {
            server.restart();
            running = true;
            configure.accept(this);
        }
    }

    /** SIGKILL: no shutdown, nothing persisted. */
    void kill() {
        server.kill();
        running = false;
    }

    void pause() {
        server.pause();
    }

    void resume() {
        server.resume();
    }

    /** A plain connection for administration; close it. Short timeouts: the node may be the one at fault. */
    Jedis admin() {
        return new Jedis("127.0.0.1", server.port(), 2_000);
    }

    /** A connection for {@code SUBSCRIBE}: it waits for messages without a read timeout. */
    Jedis subscriber() {
        return new Jedis("127.0.0.1", server.port(), 2_000, 0);
    }

    /** {@code INFO section} as text, or empty if the node does not answer. */
    String info(String section) {
        try (Jedis jedis = admin()) {
            return jedis.info(section);
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The server's version from {@code INFO server}, e.g. {@code 6.2.11}. */
    String version() {
        for (String line : info("server").split("\r?\n")) {
            if (line.startsWith("redis_version:")) {
                return line.substring("redis_version:".length()).trim();
            }
        }
        return "unknown";
    }

    private void configSet(String key, String value) {
        try (Jedis jedis = admin()) {
            jedis.configSet(key, value);
        }
    }

    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return "redis-server:" + server.port();
    }
}
