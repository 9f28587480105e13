package dev.baton.soak.cluster;

import dev.baton.embedded.LoopbackPorts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.File;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Child processes of a run: started here, registered, and killed (with their descendants) by a
 * shutdown hook if the run ends any other way, so no worker, ZooKeeper or redis-server outlives it.
 */
public final class Procs {

    private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Procs::killAll, "soak-reaper"));
    }

    private Procs() {
    }

    /** Starts {@code command} with stdout and stderr appended to {@code log}; stdin stays a pipe. */
    public static Process start(List<String> command, Path log) {
        try {
            java.nio.file.Files.createDirectories(log.toAbsolutePath().getParent());
            File file = log.toFile();
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(file)).start();
            LIVE.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
    }

    /** SIGKILL, then waits for the process to be gone. Idempotent. */
    public static void kill(Process process) {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("process " + process.pid() + " did not die on SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
    }

    /** Sends {@code signal} (STOP, CONT, ...) with {@code kill(1)}; Java has no API for these. */
    public static void signal(Process process, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending SIG" + signal, e);
        }
    }

    /** Kills every child still registered (SIGKILL also ends a stopped process). */
    public static void killAll() {
        for (Process process : List.copyOf(LIVE)) {
            try {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            } catch (RuntimeException e) {
                // shutting down: keep going with the others
            }
        }
        LIVE.clear();
    }

    /** {@code root/name}, created. */
    public static Path dir(Path root, String name) {
        try {
            return java.nio.file.Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The java launcher of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A loopback port that is free now, outside the ephemeral range (see {@link LoopbackPorts}). */
    public static int freePort() {
        return LoopbackPorts.freePort();
    }

    /** A free port whose {@code port + 10000} (a Redis Cluster bus port) is free too. */
    public static int freeClusterPort() {
        return LoopbackPorts.freePort(10_000);
    }
}
