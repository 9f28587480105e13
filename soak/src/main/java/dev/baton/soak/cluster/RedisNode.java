package dev.baton.soak.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.embedded.core.ExecutableProvider;

/**
 * One {@code redis-server} (or Sentinel) child process on a fixed loopback port, without
 * persistence: a restart after {@link #kill()} starts empty, as after a crash that lost the data.
 * The binary is the one the embedded-redis jar ships (CI machines need not have one installed),
 * unless {@code -Dbaton.soak.redis-server=PATH} names another.
 *
 * <p>Not thread-safe: the nemesis is its one owner.
 */
public final class RedisNode implements AutoCloseable {

    private static Path binary;

    private final int port;
    private final Path dir;
    private final List<String> arguments;
    private final String readyMarker;
    private Process process;

    private RedisNode(int port, Path dir, List<String> arguments, String readyMarker) {
        this.port = port;
        this.dir = dir;
        this.arguments = arguments;
        this.readyMarker = readyMarker;
    }

    /** A server on {@code port} with extra arguments, not started yet. */
    static RedisNode server(Path root, int port, String... extra) {
        Path dir = newDir(root, "redis-" + port);
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", dir.toAbsolutePath().toString()));
        args.addAll(List.of(extra));
        return new RedisNode(port, dir, args, "Ready to accept connections");
    }

    /** A Sentinel on {@code port} watching {@code master} as {@code name}, with a quorum of one. */
    static RedisNode sentinel(Path root, int port, String name, int masterPort, Duration downAfter) {
        Path dir = newDir(root, "sentinel-" + port);
        String conf = "port " + port + "\nbind 127.0.0.1\ndir " + dir.toAbsolutePath() + "\n"
                + "sentinel monitor " + name + " 127.0.0.1 " + masterPort + " 1\n"
                + "sentinel down-after-milliseconds " + name + " " + downAfter.toMillis() + "\n"
                + "sentinel failover-timeout " + name + " 10000\n"
                + "sentinel parallel-syncs " + name + " 1\n";
        Path file = dir.resolve("sentinel.conf");
        try {
            Files.writeString(file, conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RedisNode(port, dir, List.of(file.toAbsolutePath().toString(), "--sentinel"), "+monitor master");
    }

    int port() {
        return port;
    }

    boolean running() {
        return process != null && process.isAlive();
    }

    /** Starts the process and waits until it logs that it is ready. */
    void start() {
        if (running()) {
            return;
        }
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(arguments);
        Path log = dir.resolve("server.log");
        long offset = size(log);
        process = Procs.start(command, log);
        Process started = process;
        Wait.require("redis-server on port " + port + " is ready", Duration.ofSeconds(30), () -> {
            if (!started.isAlive()) {
                throw new IllegalStateException("redis-server exited");
            }
            return read(log, offset).contains(readyMarker);
        });
    }

    /** SIGKILL: no shutdown, nothing persisted. */
    void kill() {
        Procs.kill(process);
        process = null;
    }

    void pause() {
        Procs.signal(process, "STOP");
    }

    void resume() {
        Procs.signal(process, "CONT");
    }

    /** A plain connection for administration; close it. Short timeouts: the node may be the one at fault. */
    Jedis admin() {
        return new Jedis("127.0.0.1", port, 2_000);
    }

    /** {@code INFO section} as text, or empty if the node does not answer. */
    String info(String section) {
        try (Jedis jedis = admin()) {
            return jedis.info(section);
        } catch (RuntimeException e) {
            return "";
        }
    }

    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return "redis-server:" + port;
    }

    /** The version of the binary, e.g. {@code 6.2.11}. */
    static String version() {
        try {
            Process p = new ProcessBuilder(binary().toString(), "--version").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            int v = out.indexOf("v=");
            return v < 0 ? out.trim() : out.substring(v + 2, out.indexOf(' ', v));
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    private static synchronized Path binary() {
        if (binary == null) {
            String configured = System.getProperty("baton.soak.redis-server");
            if (configured != null && !configured.isBlank()) {
                binary = Path.of(configured);
            } else {
                try {
                    File file = ExecutableProvider.newJarResourceProvider().get();
                    binary = file.toPath();
                } catch (IOException e) {
                    throw new UncheckedIOException("no redis-server in the embedded-redis jar", e);
                }
            }
        }
        return binary;
    }

    static Path newDir(Path root, String name) {
        try {
            return Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long size(Path log) {
        try {
            return Files.exists(log) ? Files.size(log) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    /** The log from {@code offset} on: a restart appends to the same file. */
    static String read(Path log, long offset) {
        try {
            if (!Files.exists(log)) {
                return "";
            }
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(offset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
