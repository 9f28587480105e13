package dev.baton.lock.redis;

import dev.baton.lock.testkit.Timing;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.embedded.core.ExecutableProvider;

/**
 * A real {@code redis-server} process on a free loopback port, for tests: a {@code redis-server} on
 * the PATH if there is one, else the binary the embedded-redis jar ships. No persistence: a
 * restarted server starts empty, as after a crash with data loss.
 *
 * <p>Every process started is also destroyed by a shutdown hook, so a crashed test run leaves none.
 */
final class RedisProcess implements AutoCloseable {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
    private static final Path ROOT = Path.of("target", "redis-tests");
    private static Path binary;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly)));
    }

    private final int port;
    private final Path dir;
    private final List<String> arguments;
    private final String readyMarker;
    private Process process;
    private boolean paused;

    private RedisProcess(int port, Path dir, List<String> arguments, String readyMarker) {
        this.port = port;
        this.dir = dir;
        this.arguments = arguments;
        this.readyMarker = readyMarker;
    }

    /** Starts a plain server on a free port with extra arguments ({@code --requirepass x}, ...). */
    static RedisProcess start(String... extra) {
        int port = freePort(false);
        List<String> args = new ArrayList<>(List.of("--port", Integer.toString(port)));
        args.addAll(List.of(extra));
        return launch(port, args, "Ready to accept connections");
    }

    /** Starts a server whose clients connect with TLS only, on a free port. */
    static RedisProcess startTls(Path certificate, Path key) {
        int port = freePort(false);
        return launch(port, List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file",
                certificate.toAbsolutePath().toString(), "--tls-key-file", key.toAbsolutePath().toString(), "--tls-auth-clients", "no"),
                "Ready to accept connections");
    }

    /** Starts a server in cluster mode, with no slots yet: see {@link RedisClusterFixture}. */
    static RedisProcess startClusterNode() {
        int port = freePort(true);
        return launch(port, List.of("--port", Integer.toString(port), "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes-" + port + ".conf", "--cluster-node-timeout", "3000"),
                "Ready to accept connections");
    }

    /** Starts a Sentinel that monitors {@code master} under {@code masterName}, with a quorum of one. */
    static RedisProcess startSentinel(RedisProcess master, String masterName) {
        int port = freePort(false);
        Path dir = newDir();
        String conf = "port " + port + "\nbind 127.0.0.1\ndir " + dir.toAbsolutePath() + "\n"
                + "sentinel monitor " + masterName + " 127.0.0.1 " + master.port() + " 1\n"
                + "sentinel down-after-milliseconds " + masterName + " 3000\n";
        Path file = dir.resolve("sentinel.conf");
        try {
            Files.writeString(file, conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        RedisProcess sentinel = new RedisProcess(port, dir,
                List.of(file.toAbsolutePath().toString(), "--sentinel"), "+monitor master");
        sentinel.launch();
        return sentinel;
    }

    private static RedisProcess launch(int port, List<String> args, String marker) {
        List<String> all = new ArrayList<>(List.of("--bind", "127.0.0.1", "--save", "", "--appendonly", "no"));
        all.addAll(args);
        Path dir = newDir();
        all.addAll(List.of("--dir", dir.toAbsolutePath().toString()));
        RedisProcess redis = new RedisProcess(port, dir, all, marker);
        redis.launch();
        return redis;
    }

    int port() {
        return port;
    }

    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", port);
    }

    long pid() {
        return process.pid();
    }

    /** Kills the server with SIGKILL: no shutdown, no persistence. */
    synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(process);
            LIVE.remove(process);
            process = null;
            paused = false;
        }
    }

    /** Starts the server again on the same port, empty. */
    synchronized void restart() {
        kill();
        launch();
    }

    /** SIGSTOP: the server stops answering, its connections stay open. */
    synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /** SIGCONT after {@link #pause()}. */
    synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    /** Every key in the server's database 0 (cluster nodes: this node's keys). */
    Set<String> keys() {
        Set<String> keys = new TreeSet<>();
        try (RedisClient admin = admin()) {
            String cursor = ScanParams.SCAN_POINTER_START;
            for (int i = 0; i < 10_000; i++) {
                ScanResult<String> page = admin.scan(cursor, new ScanParams().count(1000));
                keys.addAll(page.getResult());
                cursor = page.getCursor();
                if (cursor.equals(ScanParams.SCAN_POINTER_START)) {
                    return keys;
                }
            }
        }
        throw new IllegalStateException("SCAN did not finish");
    }

    /** A plain connection for setting the server up; close it. */
    RedisClient admin() {
        return RedisClient.create("127.0.0.1", port);
    }

    @Override
    public synchronized void close() {
        kill();
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>();
        command.add(binary().toString());
        command.addAll(arguments);
        Path log = dir.resolve("redis-" + System.nanoTime() + ".log");
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        LIVE.add(process);
        Process started = process;
        try {
            Timing.await("redis-server on port " + port + " is ready").atMost(Timing.scaled(Duration.ofSeconds(15)))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        if (!started.isAlive()) {
                            throw new IllegalStateException("redis-server exited: " + read(log));
                        }
                        return read(log).contains(readyMarker);
                    });
        } catch (RuntimeException | Error e) {
            kill();
            throw e;
        }
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

    private static String read(Path log) throws IOException {
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    }

    private static synchronized Path binary() {
        if (binary == null) {
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
            binary = file.toPath();
        }
        return binary;
    }

    private static Path newDir() {
        try {
            Files.createDirectories(ROOT);
            return Files.createTempDirectory(ROOT, "redis-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A loopback port that is free now (and, for cluster nodes, so is port + 10000, the bus port). */
    static int freePort(boolean withBusPort) {
        for (int i = 0; i < 100; i++) {
            int port = withBusPort ? ThreadLocalRandom.current().nextInt(20_000, 30_000) : 0;
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                if (withBusPort) {
                    new ServerSocket(port + 10_000, 1, InetAddress.getLoopbackAddress()).close();
                }
                return socket.getLocalPort();
            } catch (IOException e) {
                // taken: try another
            }
        }
        throw new IllegalStateException("no free port found");
    }

    @Override
    public String toString() {
        return "redis-server[" + port + (paused ? ", paused" : "") + "]";
    }
}
