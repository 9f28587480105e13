package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.Outcome;
import dev.baton.txn.participant.Participant;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.Vote;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The command as a separate process, the way an operator runs it. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SubprocessTest {

    private static TestingServer server;
    private final List<Process> processes = new ArrayList<>();
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeAll
    static void startServer() throws Exception {
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, 0, null, "127.0.0.1"), true);
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        processes.forEach(Process::destroyForcibly);
        for (AutoCloseable resource : resources) {
            resource.close();
        }
    }

    @Test
    void lockRunsTheCommandWithTheTokenAndPassesItsExitCode() throws Exception {
        Process baton = baton("lock", "--zookeeper", server.getConnectString(), "sub/report", "--",
                "sh", "-c", "echo token=$BATON_FENCING_TOKEN; exit 3");
        String output = new String(baton.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(baton.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(baton.exitValue()).isEqualTo(3);
        assertThat(output).containsPattern("token=[1-9][0-9]*");
    }

    @Test
    void coordinatorFinishesAnOrphanedTransactionAndStopsCleanlyOnSigterm() throws Exception {
        Process coordinator = baton("coordinator", "--zookeeper", server.getConnectString(),
                "-D", "baton.zookeeper.session-timeout=2s");
        BufferedReader lines = new BufferedReader(new InputStreamReader(coordinator.getInputStream(), StandardCharsets.UTF_8));
        assertThat(lines.readLine()).contains("baton coordinator: running");

        Recording slow = new Recording(true);
        Recording quick = new Recording(false);
        resources.add(ParticipantHost.builder(curator()).participant("slow", slow).participant("quick", quick).start());
        CuratorFramework doomedSession = curator();
        TransactionCoordinator doomed = TransactionCoordinator.start(doomedSession);
        CompletableFuture<Outcome> orphan = doomed.begin().branch("slow", new byte[] {1}).branch("quick", new byte[] {2})
                .timeout(Duration.ofSeconds(60)).commitAsync();
        assertThat(slow.preparing.await(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS)).isTrue();
        doomedSession.close();
        slow.proceed.countDown();

        Timing.await("the coordinator process finishes the orphaned transaction")
                .atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> slow.committed.size() == 1 && quick.committed.size() == 1);
        assertThat(slow.aborted).isEmpty();

        coordinator.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
        assertThat(coordinator.waitFor(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(coordinator.exitValue()).isEqualTo(143);
        assertThat(lines.readLine()).contains("stopped");
    }

    private CuratorFramework curator() throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(server.getConnectString(), 2_000, 5_000,
                new RetryOneTime(100));
        curator.start();
        curator.blockUntilConnected(10, TimeUnit.SECONDS);
        resources.add(0, curator);
        return curator;
    }

    private Process baton(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(process);
        return process;
    }

    /** A participant that records what it was told; a slow one waits in prepare until released. */
    static final class Recording implements Participant {
        final CountDownLatch preparing = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);
        final Set<String> committed = ConcurrentHashMap.newKeySet();
        final List<String> aborted = new CopyOnWriteArrayList<>();
        private final boolean slow;

        Recording(boolean slow) {
            this.slow = slow;
        }

        @Override
        public Vote prepare(Branch branch) throws InterruptedException {
            preparing.countDown();
            if (slow && !proceed.await(60, TimeUnit.SECONDS)) {
                return Vote.no("never released");
            }
            return Vote.yes();
        }

        @Override
        public void commit(Branch branch) {
            committed.add(branch.txnId());
        }

        @Override
        public void abort(Branch branch) {
            aborted.add(branch.txnId());
        }
    }
}
