package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A child JVM running a main class of the test class path, its stdout read line by line on a
 * thread, its stderr in a log file. The fault tools of the process-level tests: SIGKILL, and
 * SIGSTOP / SIGCONT (a process paused as by a long GC or a frozen VM).
 *
 * <p>The child gets this JVM's class path and every system property whose name starts with one of
 * {@link #PASSED_ON}. A child must see the settings its parent's tests run with: the XA instances
 * of one test must keep finished decisions equally long ({@code dev.baton.xa.decision-retention-ms}).
 * A child that counted on the default 5 minutes while the test JVM's recovery (0 in tests) deleted
 * at once took a lost reply's decision, committed and deleted there, for one never written, and
 * told ABORTED.
 *
 * <p>Thread safety: {@link #next} and {@link #drainLines} may be called from one thread at a time;
 * the signals from any.
 */
public final class ChildJvm {

    /** The prefixes of the system properties a child inherits. */
    public static final List<String> PASSED_ON = List.of("dev.baton.", "baton.", "org.slf4j.simpleLogger.");

    private static final String EOF = "EOF";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    /**
     * Starts {@code main} with {@code args}.
     *
     * @throws UncheckedIOException if the process cannot be started
     */
    public ChildJvm(Class<?> main, File log, String... args) {
        Objects.requireNonNull(main, "main");
        Objects.requireNonNull(log, "log");
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        command.addAll(inheritedProperties());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        try {
            process = new ProcessBuilder(command).redirectError(log).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + main.getName(), e);
        }
        Thread reader = new Thread(this::read, "child-stdout-" + log.getName());
        reader.setDaemon(true);
        reader.start();
    }

    /** {@code -Dname=value} for every system property of this JVM a child inherits, sorted by name. */
    static List<String> inheritedProperties() {
        return System.getProperties().stringPropertyNames().stream()
                .filter(name -> PASSED_ON.stream().anyMatch(name::startsWith))
                .sorted()
                .map(name -> "-D" + name + "=" + System.getProperty(name))
                .toList();
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                lines.add(line);
            }
        } catch (IOException e) {
            // the process was killed
        } finally {
            lines.add(EOF);
        }
    }

    /** The child's process id. */
    public long pid() {
        return process.pid();
    }

    /** The next line, or null at the end of the output or after {@code wait} (scaled) without one. */
    public @Nullable String next(Duration wait) throws InterruptedException {
        String line = lines.poll(Timing.scaledMillis(wait.toMillis()), TimeUnit.MILLISECONDS);
        return line == null || line.equals(EOF) ? null : line;
    }

    /** Every line printed so far, without waiting. */
    public List<String> drainLines() {
        List<String> drained = new ArrayList<>();
        lines.drainTo(drained);
        drained.remove(EOF);
        return drained;
    }

    /** SIGSTOP: the process stops dead, its sockets open, as in a long GC pause. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        if (!process.isAlive()) {
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).start();
            if ((!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) && process.isAlive()) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL on Linux: no shutdown hook runs, nothing is closed. A stopped process is killed too. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
    }

    /** Whether the process is still running (a stopped process is). */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, after waiting at most {@code wait} (scaled) for the process to end; fails the test if it does not. */
    public int exitCode(Duration wait) throws InterruptedException {
        assertThat(process.waitFor(Timing.scaledMillis(wait.toMillis()), TimeUnit.MILLISECONDS))
                .as("child %d ended within %s", process.pid(), wait).isTrue();
        return process.exitValue();
    }
}
