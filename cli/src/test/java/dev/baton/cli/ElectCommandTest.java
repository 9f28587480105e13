package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Leadership;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code baton elect}, {@code baton leader} and the recipes in {@code baton locks}, in process, against a real ZooKeeper. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ElectCommandTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    @TempDir
    Path dir;

    private static CommandRun run(String command, String connect, String... rest) {
        List<String> all = new ArrayList<>(List.of(command, "--zookeeper", connect,
                "-D", "baton.zookeeper.session-timeout=" + Timing.scaled(Duration.ofMillis(1500)).toMillis() + "ms"));
        all.addAll(List.of(rest));
        return CommandRun.of(all.toArray(String[]::new));
    }

    private static LockClient client() {
        return ZK.lockClient();
    }

    @Test
    void electRunsTheCommandAsLeaderWithItsTermAndResigns() throws Exception {
        Path out = dir.resolve("term");
        CommandRun elect = run("elect", ZK.connectString(), "--payload", "host-a:8080", "jobs/nightly", "--",
                "sh", "-c", "echo \"$BATON_ELECTION $BATON_LEADER_TERM\" > " + out + "; exit 3");
        assertThat(elect.exitCode()).as(elect.err()).isEqualTo(3);
        String[] written = Files.readString(out).trim().split(" ");
        assertThat(written[0]).isEqualTo("jobs/nightly");
        long term = Long.parseLong(written[1]);
        try (LockClient client = client()) {
            Leadership next = client.election("jobs/nightly").tryCampaign(Duration.ZERO).orElseThrow();
            assertThat(next.term()).as("resigned after the command").isGreaterThan(term);
            next.resign();
        }
    }

    @Test
    void electGivesUpAfterTheWaitAndRefusesAnOversizedPayload() throws Exception {
        try (LockClient client = client(); Leadership held = client.election("jobs/busy").campaign()) {
            CommandRun busy = run("elect", ZK.connectString(), "--wait", "200ms", "jobs/busy", "--", "true");
            assertThat(busy.exitCode()).isEqualTo(ExitCodes.NOT_ACQUIRED);
            assertThat(held.isValid()).isTrue();
        }
        CommandRun big = run("elect", ZK.connectString(), "--payload", "x".repeat(2000), "jobs/big", "--", "true");
        assertThat(big.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(big.err()).contains("bytes");
    }

    @Test
    void electStopsTheCommandAndExits79WhenLeadershipIsLost() throws Exception {
        Path marker = dir.resolve("marker");
        try (TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", ZK.port()))) {
            CompletableFuture<CommandRun> elect = CompletableFuture.supplyAsync(() -> run("elect",
                    "127.0.0.1:" + proxy.port(), "--grace", "500ms", "jobs/cut", "--",
                    "sh", "-c", "echo started > " + marker + "; exec sleep 60"));
            Timing.await("the command started").until(() -> Files.exists(marker));
            proxy.cut();
            CommandRun result = elect.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
            assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.LEASE_LOST);
            assertThat(result.err()).contains("leadership of 'jobs/cut' was lost");
        }
    }

    /**
     * A command that handles SIGTERM and keeps running is sent SIGTERM first (its trap records it)
     * and killed once --grace has passed: elect only returns 79 when the command is gone.
     */
    @Test
    void electKillsACommandThatOutlivesSigtermAfterTheGrace() throws Exception {
        Path pid = dir.resolve("pid");
        Path term = dir.resolve("term");
        try (TcpProxy proxy = TcpProxy.start(new InetSocketAddress("127.0.0.1", ZK.port()))) {
            CompletableFuture<CommandRun> elect = CompletableFuture.supplyAsync(() -> run("elect",
                    "127.0.0.1:" + proxy.port(), "--grace", "500ms", "jobs/stubborn", "--", "sh", "-c",
                    "trap 'echo term > " + term + "' TERM; echo $$ > " + pid + "; while :; do sleep 0.1; done"));
            Timing.await("the command started").until(() -> Files.exists(pid) && Files.size(pid) > 0);
            long shell = Long.parseLong(Files.readString(pid).trim());
            proxy.cut();
            CommandRun result = elect.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
            assertThat(result.exitCode()).as(result.err()).isEqualTo(ExitCodes.LEASE_LOST);
            assertThat(term).as("the command was sent SIGTERM before SIGKILL").exists();
            assertThat(ProcessHandle.of(shell).filter(ProcessHandle::isAlive)).as("the command after elect returned")
                    .isEmpty();
        }
    }

    @Test
    void leaderPrintsTheLeaderOrExits1AndWatchPrintsEachChange() throws Exception {
        CommandRun none = run("leader", ZK.connectString(), "jobs/watched");
        assertThat(none.exitCode()).isEqualTo(ExitCodes.FAILED);
        StringWriter watched = new StringWriter();
        CommandLine watcher = Main.commandLine();
        watcher.setOut(new PrintWriter(watched, true));
        Thread watching = new Thread(() -> watcher.execute("leader", "--zookeeper", ZK.connectString(), "--watch",
                "jobs/watched"), "leader-watch");
        watching.setDaemon(true);
        watching.start();
        try (LockClient client = client()) {
            Timing.await("the watch prints that nobody leads").until(() -> watched.toString().startsWith("-"));
            Leadership leader = client.election("jobs/watched").withPayload("host-b:9090").campaign();
            CommandRun shown = run("leader", ZK.connectString(), "jobs/watched");
            assertThat(shown.exitCode()).isZero();
            assertThat(shown.out()).startsWith("host-b:9090\t" + leader.term() + "\t");
            Timing.await("the watch prints the new leader").until(() -> watched.toString().contains("host-b:9090\t"));
            leader.resign();
            Timing.await("the watch prints the vacancy").until(() -> watched.toString().lines().count() >= 3);
            assertThat(watched.toString().lines().toList()).last().isEqualTo("-");
        } finally {
            watching.interrupt();
            watching.join(Timing.scaledMillis(10_000));
        }
        assertThat(watching.isAlive()).isFalse();
    }

    @Test
    void locksListsReadWriteLocksSemaphoresAndElections() throws Exception {
        try (LockClient client = client();
                Lease read = client.readWriteLock("listed/rw").readLock().acquire();
                Lease permit = client.semaphore("listed/sem", 3).acquire();
                Leadership leader = client.election("listed/elect").withPayload("host-c").campaign()) {
            CommandRun locks = run("locks", ZK.connectString(), "--prefix", "listed/");
            assertThat(locks.exitCode()).as(locks.err()).isZero();
            assertThat(locks.out()).contains("rw-lock").contains("listed/rw").contains("1 readers")
                    .contains("semaphore").contains("listed/sem").contains("1/3")
                    .contains("election").contains("listed/elect").contains("host-c")
                    .contains(Long.toString(leader.term())).contains(Long.toString(permit.fencingToken()))
                    .contains(Long.toString(read.fencingToken()));
        }
    }
}
