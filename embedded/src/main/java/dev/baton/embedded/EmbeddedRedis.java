package dev.baton.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a free loopback port, without persistence (a restarted
 * server starts empty, as after a crash with data loss): a {@code redis-server} on the PATH if
 * there is one, else the binary the embedded-redis jar ships. The one launcher for the demo, the
 * benchmarks and the tests: a plain server, a TLS-only one, a cluster node or a Sentinel, with the
 * fault tools the tests use (kill, restart, {@code SIGSTOP}/{@code SIGCONT}).
 *
 * <pre>{@code
 * try (EmbeddedRedis redis = EmbeddedRedis.start()) { ... redis.uri() ... }
 * EmbeddedRedis secured = EmbeddedRedis.builder().args("--requirepass", "pw").start();
 * }</pre>
 *
 * <p>Every process is also destroyed by a shutdown hook, so a crashed run leaves none behind. A
 * working directory made in the system's temp dir (no {@link Builder#directory}) is deleted on
 * {@link #close()}, or by the same hook; one under a chosen directory stays, with its log.
 *
 * <p>Thread safety: the fault methods are synchronized; one owner starts and closes it.
 */
public final class EmbeddedRedis implements AutoCloseable {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    /** Working directories made in the system's temp dir, of servers not closed yet. */
    private static final Set<Path> TEMPORARY = ConcurrentHashMap.newKeySet();
    private static final String READY = "Ready to accept connections";
    private static @Nullable Path binary;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LIVE.forEach(Process::destroyForcibly);
            TEMPORARY.forEach(EmbeddedRedis::deleteQuietly);
        }, "embedded-redis-reaper"));
    }

    private final int port;
    private final Path dir;
    private final List<String> arguments;
    private final String readyMarker;
    private final Duration startTimeout;
    private @Nullable Process process;
    private @Nullable Path log;
    private boolean paused;

    private EmbeddedRedis(int port, Path dir, List<String> arguments, String readyMarker, Duration startTimeout) {
        this.port = port;
        this.dir = dir;
        this.arguments = arguments;
        this.readyMarker = readyMarker;
        this.startTimeout = startTimeout;
    }

    /**
     * Starts a plain server and waits until it accepts connections.
     *
     * @throws UncheckedIOException if no binary can be found or the process cannot start
     * @throws IllegalStateException if it exits or is not ready within 30 seconds
     */
    public static EmbeddedRedis start() {
        return builder().start();
    }

    /** A builder, for extra arguments, TLS, cluster mode, a Sentinel, or another start timeout. */
    public static Builder builder() {
        return new Builder();
    }

    /** How to start a server. Not thread-safe. */
    public static final class Builder {
        private final List<String> extra = new ArrayList<>();
        private @Nullable Path certificate;
        private @Nullable Path key;
        private boolean clusterNode;
        private @Nullable EmbeddedRedis sentinelMaster;
        private @Nullable String sentinelMasterName;
        private Duration startTimeout = Duration.ofSeconds(30);
        private @Nullable Path directory;

        private Builder() {
        }

        /** Extra {@code redis-server} arguments, such as {@code --requirepass x}. */
        public Builder args(String... arguments) {
            extra.addAll(List.of(arguments));
            return this;
        }

        /** Clients must connect with TLS, with this PEM certificate and key; no plain port. */
        public Builder tls(Path certificatePem, Path keyPem) {
            this.certificate = Objects.requireNonNull(certificatePem, "certificatePem");
            this.key = Objects.requireNonNull(keyPem, "keyPem");
            return this;
        }

        /** Cluster mode with no slots yet (port + 10000 is the bus port, also free). */
        public Builder clusterNode() {
            this.clusterNode = true;
            return this;
        }

        /** A Sentinel that monitors {@code master} as {@code masterName}, with a quorum of one. */
        public Builder sentinelOf(EmbeddedRedis master, String masterName) {
            this.sentinelMaster = Objects.requireNonNull(master, "master");
            this.sentinelMasterName = Objects.requireNonNull(masterName, "masterName");
            return this;
        }

        /** How long {@link #start()} waits for the server to be ready (30 s by default). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Where its working directories go (a fresh one per server); the system's temp dir by default. */
        public Builder directory(Path root) {
            this.directory = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * Starts the server and waits until it is ready.
         *
         * @throws UncheckedIOException if no binary can be found or the process cannot start
         * @throws IllegalStateException if it exits or is not ready within the start timeout
         */
        public EmbeddedRedis start() {
            Path dir = newDir(directory);
            EmbeddedRedis master = sentinelMaster;
            if (master != null) {
                int port = freePort(false);
                Path conf = dir.resolve("sentinel.conf");
                write(conf, "port " + port + "\nbind 127.0.0.1\ndir " + dir.toAbsolutePath() + "\n"
                        + "sentinel monitor " + sentinelMasterName + " 127.0.0.1 " + master.port() + " 1\n"
                        + "sentinel down-after-milliseconds " + sentinelMasterName + " 3000\n");
                return launched(new EmbeddedRedis(port, dir, List.of(conf.toAbsolutePath().toString(), "--sentinel"),
                        "+monitor master", startTimeout));
            }
            int port = freePort(clusterNode);
            List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
            Path cert = certificate;
            Path pem = key;
            if (cert != null && pem != null) {
                args.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port),
                        "--tls-cert-file", cert.toAbsolutePath().toString(),
                        "--tls-key-file", pem.toAbsolutePath().toString(), "--tls-auth-clients", "no"));
            } else {
                args.addAll(List.of("--port", Integer.toString(port)));
            }
            if (clusterNode) {
                args.addAll(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + port + ".conf",
                        "--cluster-node-timeout", "3000"));
            }
            args.addAll(extra);
            args.addAll(List.of("--dir", dir.toAbsolutePath().toString()));
            return launched(new EmbeddedRedis(port, dir, args, READY, startTimeout));
        }

        private static EmbeddedRedis launched(EmbeddedRedis redis) {
            redis.launch();
            return redis;
        }
    }

    /** The port it listens on, on 127.0.0.1. */
    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /** 127.0.0.1 and its port. */
    public InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    /**
     * The process id.
     *
     * @throws IllegalStateException if it is not running
     */
    public synchronized long pid() {
        return running().pid();
    }

    /**
     * The output of the latest process started on this port (its log), for a test to show when it
     * fails; it stays after the process is killed.
     */
    public synchronized Path log() {
        return Objects.requireNonNull(log, "never started");
    }

    /** Kills the server with SIGKILL: no shutdown, nothing persisted. Idempotent. */
    public synchronized void kill() {
        Process running = process;
        if (running != null) {
            running.destroyForcibly();
            waitFor(running);
            LIVE.remove(running);
            process = null;
            paused = false;
        }
    }

    /** Kills the server and starts it again on the same port, empty. */
    public synchronized void restart() {
        kill();
        launch();
    }

    /** SIGSTOP: the server stops answering; its connections stay open. */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    /**
     * Kills the server (SIGKILL; there is nothing to persist) and deletes its working directory if
     * it was made in the system's temp dir. Idempotent.
     */
    @Override
    public synchronized void close() {
        kill();
        if (TEMPORARY.remove(dir)) {
            deleteQuietly(dir);
        }
    }

    /** Deletes {@code root} and what is in it, as far as it can: a leftover is not worth a failure. */
    private static void deleteQuietly(Path root) {
        try (java.util.stream.Stream<Path> paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // gone already, or not ours to delete
        }
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(arguments);
        Path log = dir.resolve("redis-" + System.nanoTime() + ".log");
        this.log = log;
        Process started;
        try {
            started = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        process = started;
        LIVE.add(started);
        try {
            awaitReady(started, log);
        } catch (RuntimeException e) {
            kill();
            throw e;
        }
    }

    private void awaitReady(Process started, Path log) {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                String text = read(log);
                if (text.contains(readyMarker)) {
                    return;
                }
                if (!started.isAlive()) {
                    throw new IllegalStateException("redis-server exited: " + text);
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting redis-server", e);
        }
        throw new IllegalStateException("redis-server on port " + port + " was not ready within "
                + startTimeout.toMillis() + " ms; see " + log);
    }

    private Process running() {
        Process running = process;
        if (running == null) {
            throw new IllegalStateException("redis-server on port " + port + " is not running");
        }
        return running;
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(Process process) {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("redis-server " + process.pid() + " did not die");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String read(Path log) {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static synchronized Path binary() {
        Path found = binary;
        if (found == null) {
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
            found = file.toPath();
            binary = found;
        }
        return found;
    }

    private static Path newDir(@Nullable Path root) {
        try {
            if (root == null) {
                Path made = Files.createTempDirectory("baton-redis-");
                TEMPORARY.add(made);
                return made;
            }
            Files.createDirectories(root);
            return Files.createTempDirectory(root, "redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A loopback port that is free now, outside the kernel's ephemeral range (see {@link LoopbackPorts});
     * with {@code withBusPort}, so is port + 10000 (a cluster node's bus port).
     *
     * @throws IllegalStateException if none is found
     */
    public static int freePort(boolean withBusPort) {
        return LoopbackPorts.freePort(withBusPort ? 10_000 : 0);
    }

    @Override
    public String toString() {
        return "redis-server[" + port + (paused ? ", paused" : "") + "]";
    }
}
