package dev.baton.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a free loopback port, without persistence: a
 * {@code redis-server} on the PATH if there is one, else the binary the embedded-redis jar ships.
 * The process is killed on {@link #close()} and, failing that, when the JVM exits.
 *
 * <p>Not thread-safe; one owner starts and stops it.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final long START_TIMEOUT_MILLIS = 30_000;

    private final int port;
    private final Path dir;
    private final Process process;
    private final Thread reaper;

    private EmbeddedRedis(int port, Path dir, Process process) {
        this.port = port;
        this.dir = dir;
        this.process = process;
        this.reaper = new Thread(process::destroyForcibly, "redis-reaper-" + port);
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /**
     * Starts a server and waits until it accepts connections.
     *
     * @throws UncheckedIOException if no binary can be found or the process cannot start
     * @throws IllegalStateException if it exits or is not ready within 30 seconds
     */
    public static EmbeddedRedis start() {
        int port = freePort();
        Path dir;
        try {
            dir = Files.createTempDirectory("baton-redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> command = new ArrayList<>(List.of(binary().toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        Path log = dir.resolve("redis.log");
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        EmbeddedRedis redis = new EmbeddedRedis(port, dir, process);
        redis.awaitReady(log);
        return redis;
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** Kills the server (SIGKILL; there is nothing to persist). Idempotent. */
    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }

    private void awaitReady(Path log) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        try {
            while (System.nanoTime() < deadline) {
                String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
                if (text.contains("Ready to accept connections")) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new IllegalStateException("redis-server exited: " + text);
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            close();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting redis-server", e);
        }
        close();
        throw new IllegalStateException("redis-server on port " + port + " was not ready within "
                + START_TIMEOUT_MILLIS + " ms; see " + dir);
    }

    private static Path binary() {
        File file;
        try {
            file = ExecutableProvider.newExecutableInPath("redis-server").get();
        } catch (IOException | RuntimeException e) {
            try {
                file = ExecutableProvider.newJarResourceProvider().get();
            } catch (IOException inner) {
                inner.addSuppressed(e);
                throw new UncheckedIOException("no redis-server on the PATH nor in the embedded-redis jar", inner);
            }
        }
        return file.toPath();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }
}
