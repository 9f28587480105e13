package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code baton lock NAME -- cmd} and {@code baton locks}, in process, against a real ZooKeeper. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LockCommandTest {

    private static TestingServer server;

    @TempDir
    Path dir;

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, 0, null, "127.0.0.1"), true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    private static List<String> args(String connect, String... rest) {
        List<String> args = new ArrayList<>(List.of("--zookeeper", connect,
                "-D", "baton.zookeeper.session-timeout=" + Timing.scaled(Duration.ofMillis(1500)).toMillis() + "ms"));
        args.addAll(List.of(rest));
        return args;
    }

    private static CommandRun lock(String connect, String... rest) {
        List<String> all = new ArrayList<>(List.of("lock"));
        all.addAll(args(connect, rest));
        return CommandRun.of(all.toArray(String[]::new));
    }

    private static LockClient client() {
        return LockClients.open(Map.of("baton.backend", "zookeeper", "baton.zookeeper.connect", server.getConnectString()));
    }

    @Test
    void runsTheCommandWithTheFencingTokenAndExitsWithItsCode() throws Exception {
        Path out = dir.resolve("token");
        CommandRun run = lock(server.getConnectString(), "reports/nightly", "--",
                "sh", "-c", "echo \"$BATON_LOCK_NAME $BATON_FENCING_TOKEN\" > " + out + "; exit 7");
        assertThat(run.exitCode()).as(run.err()).isEqualTo(7);
        String[] written = Files.readString(out).trim().split(" ");
        assertThat(written[0]).isEqualTo("reports/nightly");
        assertThat(Long.parseLong(written[1])).isPositive();
        try (LockClient client = client()) {
            assertThat(client.lock("reports/nightly").tryAcquire(Duration.ZERO)).as("released after the command").isPresent();
        }
    }

    @Test
    void givesUpAfterTheWaitWhenTheLockIsHeld() throws Exception {
        try (LockClient client = client(); Lease held = client.lock("busy").acquire()) {
            CommandRun run = lock(server.getConnectString(), "--wait", "200ms", "busy", "--", "true");
            assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_ACQUIRED);
            assertThat(run.err()).contains("'busy' is held elsewhere");
            assertThat(held.isValid()).isTrue();
        }
    }

    @Test
    void stopsTheCommandWhenTheLeaseIsLost() throws Exception {
        assertLostLeaseStopsCommand("sh", "-c", "echo started > $MARKER; exec sleep 60");
    }

    @Test
    void killsACommandThatIgnoresSigtermAfterTheGracePeriod() throws Exception {
        assertLostLeaseStopsCommand("sh", "-c", "trap '' TERM; echo started > $MARKER; sleep 60; sleep 60");
    }

    private void assertLostLeaseStopsCommand(String... command) throws Exception {
        Path marker = dir.resolve("marker");
        List<String> withMarker = new ArrayList<>();
        for (String part : command) {
            withMarker.add(part.replace("$MARKER", marker.toString()));
        }
        try (TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", server.getPort()))) {
            List<String> rest = new ArrayList<>(List.of("--grace", "500ms", "cut-off", "--"));
            rest.addAll(withMarker);
            CompletableFuture<CommandRun> run = CompletableFuture.supplyAsync(
                    () -> lock("127.0.0.1:" + proxy.port(), rest.toArray(String[]::new)));
            Timing.await("the command started").until(() -> Files.exists(marker));
            proxy.cut();
            CommandRun result = run.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
            assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.LEASE_LOST);
            assertThat(result.err()).contains("lease on 'cut-off' was lost");
        }
    }

    @Test
    void missingCommandExits127() {
        CommandRun run = lock(server.getConnectString(), "missing", "--", "/nonexistent/definitely-not-here");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(run.err()).contains("cannot run '/nonexistent/definitely-not-here'");
    }

    /** A file that exists but may not be executed (no execute bit: even root may not). */
    @Test
    void aCommandThatCannotBeRunExits126() throws Exception {
        Path script = Files.writeString(dir.resolve("not-executable.sh"), "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rw-r--r--"));
        CommandRun run = lock(server.getConnectString(), "cannot-run", "--", script.toString());
        assertThat(run.exitCode()).as(run.err()).isEqualTo(ExitCodes.CANNOT_EXECUTE);
        assertThat(run.err()).contains("cannot run '" + script + "'");
    }

    @Test
    void aUsageErrorExits2AndAnInternalError70WithAHintForTheStackTrace() {
        CommandRun usage = CommandRun.of("lock", "--no-such-option", "x", "--", "true");
        assertThat(usage.exitCode()).as(usage.err()).isEqualTo(ExitCodes.USAGE);
        assertThat(usage.err()).contains("--no-such-option");

        StringWriter err = new StringWriter();
        assertThat(Main.report(new IllegalStateException("a bug"), new PrintWriter(err), false))
                .isEqualTo(ExitCodes.INTERNAL);
        assertThat(err.toString()).contains("baton: a bug").contains("run again with --verbose");
    }

    @Test
    void badConfigurationIsOneLineNamingTheKey() {
        CommandRun run = lock(server.getConnectString(), "-D", "baton.zookeeper.sesion-timeout=1s", "x", "--", "true");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(run.err().trim()).startsWith("baton: unknown configuration key 'baton.zookeeper.sesion-timeout'")
                .doesNotContain("\tat ").hasLineCount(1);
    }

    @Test
    void unreachableServerIsOneLineAndAStackTraceOnlyWithVerbose() {
        CommandRun quiet = lock("127.0.0.1:1", "-D", "baton.zookeeper.connection-timeout=300ms", "x", "--", "true");
        assertThat(quiet.exitCode()).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(quiet.err().trim()).contains("cannot connect to ZooKeeper at 127.0.0.1:1").hasLineCount(1);
        CommandRun verbose = lock("127.0.0.1:1", "--verbose", "-D", "baton.zookeeper.connection-timeout=300ms", "x",
                "--", "true");
        assertThat(verbose.err()).contains("\tat ");
    }

    @Test
    void locksListsHolderTokenAndWaiters() throws Exception {
        try (LockClient client = client(); Lease held = client.lock("listed/a").acquire()) {
            List<String> all = new ArrayList<>(List.of("locks"));
            all.addAll(args(server.getConnectString(), "--prefix", "listed/"));
            CommandRun run = CommandRun.of(all.toArray(String[]::new));
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("listed/a").contains(Long.toString(held.fencingToken()));
            assertThat(run.out().lines()).hasSize(2);
        }
    }

    @Test
    void helpShowsExamples() {
        CommandRun run = CommandRun.of("lock", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Examples:").contains("BATON_FENCING_TOKEN");
    }
}
