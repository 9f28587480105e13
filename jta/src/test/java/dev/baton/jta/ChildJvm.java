package dev.baton.jta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running a main class of the test class path, its stdout read line by line on a
 * thread, its stderr in a log file. The fault tools of the process-level tests: SIGKILL, and
 * SIGSTOP / SIGCONT (a process paused as by a long GC or a frozen VM).
 */
final class ChildJvm {

    /** {@code XaRecovery.RETENTION_PROPERTY}, which a child must share with this JVM. */
    private static final String DECISION_RETENTION = "dev.baton.xa.decision-retention-ms";

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    ChildJvm(Class<?> main, File log, String... args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
        // Every XA instance must keep finished decisions equally long: a child that counted on the
        // default 5 minutes while this JVM's recovery (0 in tests) deleted at once took a lost
        // reply's decision, committed and deleted here, for one never written, and told ABORTED.
        String retention = System.getProperty(DECISION_RETENTION);
        if (retention != null) {
            command.add("-D" + DECISION_RETENTION + "=" + retention);
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        try {
            process = new ProcessBuilder(command).redirectError(log).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread reader = new Thread(this::read, "child-stdout-" + log.getName());
        reader.setDaemon(true);
        reader.start();
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
            lines.add("EOF");
        }
    }

    long pid() {
        return process.pid();
    }

    /** The next line, or null at the end of the output or after {@code wait} (scaled) without one. */
    String next(Duration wait) throws InterruptedException {
        String line = lines.poll(Timing.scaledMillis(wait.toMillis()), TimeUnit.MILLISECONDS);
        return line == null || line.equals("EOF") ? null : line;
    }

    /** Every line printed so far, without waiting. */
    List<String> drainLines() {
        List<String> drained = new ArrayList<>();
        lines.drainTo(drained);
        drained.remove("EOF");
        return drained;
    }

    /** SIGSTOP: the process stops dead, its sockets open, as in a long GC pause. */
    void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    void resume() {
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
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    int exitCode(Duration wait) throws InterruptedException {
        assertThat(process.waitFor(Timing.scaledMillis(wait.toMillis()), TimeUnit.MILLISECONDS)).isTrue();
        return process.exitValue();
    }
}
