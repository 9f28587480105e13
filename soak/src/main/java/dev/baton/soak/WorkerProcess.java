package dev.baton.soak;

import dev.baton.lock.testkit.TcpProxy;
import dev.baton.soak.cluster.LockCluster;
import dev.baton.soak.cluster.Procs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The harness's handle on one worker slot: its JVM (a new incarnation after each SIGKILL), and its
 * own TCP proxies to the servers, so that a partition cuts this worker alone. The worker reaches
 * the fenced resource directly: a partitioned holder can still write, as in real networks where
 * the storage and the lock service are not the same hosts.
 *
 * <p>Used by the nemesis's thread and the run's; each method is synchronized.
 */
final class WorkerProcess {

    private final int index;
    private final SoakOptions options;
    private final LockCluster cluster;
    private final int harnessPort;
    private final Path logs;
    private final List<TcpProxy> proxies = new ArrayList<>();
    private final Launch launch;
    private final String prefix;
    private int incarnation;
    private String name;
    private Process process;

    /**
     * The main class and arguments of one incarnation of a worker slot; the harness adds the JVM
     * options before and the cluster's {@code baton.*} keys after.
     */
    interface Launch {
        List<String> command(String name, int harnessPort);
    }

    /** A slot for a lock {@link Worker}. */
    WorkerProcess(int index, SoakOptions options, LockCluster cluster, int harnessPort, Path logs) {
        this(index, options, cluster, harnessPort, logs, (name, port) -> List.of(Worker.class.getName(),
                Integer.toString(port), name, Integer.toString(options.locks()),
                Long.toString(options.holdMillis()), Integer.toString(options.writes()),
                Long.toString(options.acquireWait().toMillis()), options.workerBreak().name()));
    }

    /** A slot for any worker main, started as {@code launch} says. */
    WorkerProcess(int index, SoakOptions options, LockCluster cluster, int harnessPort, Path logs, Launch launch) {
        this("w", index, options, cluster, harnessPort, logs, launch);
    }

    /** A slot whose incarnations are named {@code <prefix><index>-<incarnation>}. */
    WorkerProcess(String prefix, int index, SoakOptions options, LockCluster cluster, int harnessPort, Path logs,
                  Launch launch) {
        this.prefix = prefix;
        this.launch = launch;
        this.index = index;
        this.options = options;
        this.cluster = cluster;
        this.harnessPort = harnessPort;
        this.logs = logs;
        for (InetSocketAddress target : cluster.proxyTargets()) {
            proxies.add(TcpProxy.start(target));
        }
    }

    /** Starts a new incarnation. */
    synchronized void start() {
        incarnation++;
        name = prefix + index + "-" + incarnation;
        List<InetSocketAddress> addresses = proxies.isEmpty() ? cluster.proxyTargets()
                : proxies.stream().map(TcpProxy::address).toList();
        List<String> command = new ArrayList<>(List.of(Procs.java(), "-Xmx128m", "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-cp", System.getProperty("java.class.path")));
        command.addAll(launch.command(name, harnessPort));
        Map<String, String> config = new java.util.TreeMap<>(cluster.clientConfig(addresses));
        config.putAll(options.clientOverrides());
        for (Map.Entry<String, String> e : config.entrySet()) {
            command.add(e.getKey() + "=" + e.getValue());
        }
        process = Procs.start(command, logs.resolve(name + ".log"));
    }

    synchronized String name() {
        return name;
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    synchronized void pause() {
        Procs.signal(process, "STOP");
    }

    synchronized void resume() {
        Procs.signal(process, "CONT");
    }

    synchronized void kill() {
        Procs.kill(process);
        process = null;
    }

    /** Cuts this worker off from the servers (connections stand, no traffic), not from the resource. */
    synchronized void partition() {
        proxies.forEach(TcpProxy::blackhole);
    }

    synchronized void heal() {
        proxies.forEach(TcpProxy::restore);
    }

    /** Connections open through this worker's proxies: 0 while it is connected means it bypasses them. */
    synchronized int proxiedConnections() {
        return proxies.stream().mapToInt(TcpProxy::connectionCount).sum();
    }

    synchronized boolean proxied() {
        return !proxies.isEmpty();
    }

    /** Closes the worker's input, so it finishes its section, releases and exits; kills it if it does not. */
    synchronized void stop() {
        if (process != null) {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    Procs.kill(process);
                }
            } catch (IOException e) {
                Procs.kill(process);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                Procs.kill(process);
            }
            Procs.kill(process);
            process = null;
        }
        proxies.forEach(TcpProxy::close);
    }
}
