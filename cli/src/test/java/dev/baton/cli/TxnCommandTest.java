package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.txn.Outcome;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TransactionState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code baton txn list|show|abort|forget} against a real ZooKeeper with a transaction stuck in prepare. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TxnCommandTest {

    private TestingServer server;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void startServer() throws Exception {
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 100, 0, null, "127.0.0.1"), true);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable resource : resources) {
            resource.close();
        }
        server.close();
    }

    private CommandRun txn(String... args) {
        List<String> all = new ArrayList<>(List.of("txn"));
        all.addAll(List.of(args));
        all.addAll(List.of("--zookeeper", server.getConnectString()));
        return CommandRun.of(all.toArray(String[]::new));
    }

    @Test
    void abortDecidesAStuckTransactionAndIsRefusedOnceADecisionExistsAndForgetWaitsForItsEnd() throws Exception {
        SubprocessTest.Recording stuck = new SubprocessTest.Recording(true);
        SubprocessTest.Recording quick = new SubprocessTest.Recording(false);
        resources.add(0, ParticipantHost.builder(curator()).participant("stuck", stuck).participant("quick", quick).start());
        TransactionCoordinator coordinator = TransactionCoordinator.start(curator());
        resources.add(0, coordinator);
        CompletableFuture<Outcome> pending = coordinator.begin().branch("stuck", new byte[] {1})
                .branch("quick", new byte[] {2}).timeout(Duration.ofSeconds(60)).commitAsync();
        assertThat(stuck.preparing.await(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS)).isTrue();

        CommandRun list = txn("list");
        assertThat(list.exitCode()).as(list.err()).isZero();
        assertThat(list.out()).contains("open transactions: 1").contains("PREPARING");
        String id = list.out().lines().filter(l -> l.trim().startsWith("tx-")).findFirst().orElseThrow().trim().split("\\s+")[0];

        CommandRun early = txn("forget", id);
        assertThat(early.exitCode()).as(early.out()).isEqualTo(ExitCodes.REFUSED);
        assertThat(early.err()).contains("has not ended");
        assertThat(txn("list").out()).as("an open transaction refused to forget is left as it was").contains(id)
                .contains("PREPARING");

        CommandRun abort = txn("abort", id, "--reason", "test");
        assertThat(abort.exitCode()).as(abort.err()).isZero();
        assertThat(abort.out()).contains("ABORT decided");
        Outcome outcome = pending.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("operator").contains("test");

        CommandRun again = txn("abort", id);
        assertThat(again.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(again.err()).contains("already decided");

        stuck.proceed.countDown();
        Timing.await("the aborted transaction is applied and collected").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> txn("list").out().contains("open transactions: 0"));
        assertThat(quick.committed).isEmpty();
        CommandRun show = txn("show", id);
        assertThat(show.exitCode()).as(show.err()).isZero();
        assertThat(show.out()).contains(id).contains("ABORTED");

        CommandRun forget = txn("forget", id);
        assertThat(forget.exitCode()).as(forget.err()).isZero();
        assertThat(txn("show", id).exitCode()).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void unknownAndMalformedIdsAreOneLineErrors() {
        CommandRun unknown = txn("abort", "tx-000000000000-0000000000000000");
        assertThat(unknown.exitCode()).isEqualTo(ExitCodes.FAILED);
        assertThat(unknown.err().trim()).contains("no open transaction").hasLineCount(1);
        CommandRun malformed = txn("show", "../../zookeeper");
        assertThat(malformed.exitCode()).isEqualTo(ExitCodes.FAILED);
        CommandRun forget = txn("forget", "tx-000000000000-0000000000000000");
        assertThat(forget.exitCode()).isEqualTo(ExitCodes.FAILED);
    }

    private CuratorFramework curator() throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(server.getConnectString(), 5_000, 5_000,
                new RetryOneTime(100));
        curator.start();
        curator.blockUntilConnected(10, TimeUnit.SECONDS);
        resources.add(curator);
        return curator;
    }
}
