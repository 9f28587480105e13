package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.ChildJvm;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.store.HistoryNames;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.xa.XaParticipant;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10 at process level: three coordinator JVMs move money between two PostgreSQL databases
 * (participants hosted here, through {@link XaParticipant}) while each is SIGSTOPped past its
 * ZooKeeper session and resumed, again and again, as a long GC pause or a frozen VM would; one
 * more coordinator runs here and never pauses. Afterwards, for every transaction: what its
 * caller was told matches both databases, an "unknown" answer can be looked up and matches too,
 * a "not begun" one never reached the databases, and the history holds it once; nothing stays
 * open or prepared, and money is conserved.
 */
@Tag("slow")
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class ProcessPauseTest {

    private static final int CHILDREN = 3;
    private static final int PAUSES = 51;
    private static final int HISTORY = 10_000;
    private static final long SEED = Long.getLong("baton.test.seed", 20261202L);

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    @Test
    void coordinatorsPausedPastTheirSessionNeverTellACallerAFalseOutcome() throws Exception {
        Random random = new Random(SEED);
        Path stopFile = Files.createTempFile("baton-pause-stop", "");
        Files.delete(stopFile);
        CuratorFramework hostClient = TxnTesting.client(ZK.connectString());
        CuratorFramework inspector = TxnTesting.client(ZK.connectString());
        XaParticipant bankA = new XaParticipant(Bank.dataSource(BANK.port(), "bank_a"), Bank::transfer);
        XaParticipant bankB = new XaParticipant(Bank.dataSource(BANK.port(), "bank_b"), Bank::transfer);
        ParticipantHost host = ParticipantHost.builder(hostClient).participant("bank-a", bankA)
                .participant("bank-b", bankB).abortGrace(Duration.ofSeconds(1)).threads(8).start();
        TransactionCoordinator steady = TransactionCoordinator.builder(inspector).historySize(HISTORY).start();
        List<ChildJvm> children = new ArrayList<>();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        ExecutorService pausers = Executors.newFixedThreadPool(CHILDREN);
        AtomicInteger pauses = new AtomicInteger();
        List<String> lines = new ArrayList<>();
        try {
            for (int i = 0; i < CHILDREN; i++) {
                children.add(new ChildJvm(CoordinatorProcess.class, new File("target/process-pause-child-" + i + ".log"),
                        ZK.connectString(), String.valueOf(random.nextLong()), stopFile.toString(),
                        String.valueOf(HISTORY)));
            }
            for (ChildJvm child : children) {
                assertThat(child.next(Duration.ofSeconds(60))).as("the child is running transfers").isNotNull();
            }
            long session = TxnTesting.sessionTimeout().toMillis();
            List<Future<?>> loops = new ArrayList<>();
            for (ChildJvm child : children) {
                Random own = new Random(random.nextLong());
                loops.add(pausers.submit(() -> {
                    while (pauses.getAndIncrement() < PAUSES) {
                        // Past the session (its server expires it) by up to another session.
                        long pause = session + session / 4 + own.nextInt((int) session);
                        child.pause();
                        clock.schedule(child::resume, pause, TimeUnit.MILLISECONDS).get();
                        // Let it reconnect and work a little before the next pause.
                        long run = session / 2 + own.nextInt((int) session);
                        clock.schedule(() -> { }, run, TimeUnit.MILLISECONDS).get();
                    }
                    return null;
                }));
            }
            for (Future<?> loop : loops) {
                loop.get(Timing.scaledMillis(240_000), TimeUnit.MILLISECONDS);
            }
            Files.createFile(stopFile);
            for (ChildJvm child : children) {
                String line;
                while ((line = child.next(Duration.ofSeconds(60))) != null && !line.equals("STOPPED")) {
                    lines.add(line);
                }
                assertThat(line).as("a child stops when told").isEqualTo("STOPPED");
                assertThat(child.exitCode(Duration.ofSeconds(30))).isZero();
            }
        } finally {
            for (ChildJvm child : children) {
                child.resume();
                child.kill();
            }
            pausers.shutdownNow();
            clock.shutdownNow();
        }

        Timing.await("every transaction finished, collected, and no branch left prepared")
                .atMost(Timing.scaled(Duration.ofSeconds(60)))
                .until(() -> TxnTesting.transactions(inspector).isEmpty() && TxnTesting.inboxEntries(inspector).isEmpty()
                        && Bank.prepared(BANK.port()).isEmpty());
        check(lines, steady, inspector, pauses.get());
        steady.close();
        host.close();
        bankA.close();
        bankB.close();
        inspector.close();
        hostClient.close();
        Files.deleteIfExists(stopFile);
    }

    private static void check(List<String> lines, TransactionCoordinator reader, CuratorFramework inspector,
            int pauses) throws Exception {
        int port = BANK.port();
        assertThat(Bank.total(port)).as("money is conserved").isEqualTo(2 * Bank.ACCOUNTS * Bank.OPENING_BALANCE);
        Set<String> inA = Bank.transfers(port, "bank_a");
        Set<String> inB = Bank.transfers(port, "bank_b");
        assertThat(inA).as("no transfer applied on one side only").isEqualTo(inB);

        Map<String, Integer> entries = new HashMap<>();
        for (String name : inspector.getChildren().forPath("/baton/txn-history")) {
            String txnId = HistoryNames.txnId(name);
            if (txnId != null) {
                entries.merge(txnId, 1, Integer::sum);
            }
        }
        assertThat(entries).as("one history entry per transaction").allSatisfy((id, n) -> assertThat(n).isOne());

        Map<String, Integer> kinds = new ConcurrentHashMap<>();
        List<String> contradictions = new ArrayList<>();
        for (String line : lines) {
            String[] parts = line.split(" ", 4);
            kinds.merge(parts[0], 1, Integer::sum);
            switch (parts[0]) {
                case "OUTCOME":
                    if (parts[2].equals("COMMITTED") != inA.contains(parts[1])) {
                        contradictions.add(line);
                    }
                    assertThat(entries).as("history of %s", parts[1]).containsKey(parts[1]);
                    break;
                case "UNKNOWN": {
                    TransactionStatus status = reader.status(parts[1]);
                    if (status.kind() != TransactionStatus.Kind.FINISHED
                            || status.outcome().orElseThrow().isCommitted() != inA.contains(parts[1])) {
                        contradictions.add(line + " -> " + status);
                    }
                    break;
                }
                case "NOTBEGUN":
                    if (!parts[1].equals("-") && (inA.contains(parts[1]) || entries.containsKey(parts[1])
                            || reader.status(parts[1]).kind() != TransactionStatus.Kind.NOT_BEGUN)) {
                        contradictions.add(line);
                    }
                    break;
                default:
                    break;
            }
        }
        Files.write(Path.of("target/process-pause-told.txt"), lines);
        System.out.printf("PROCESS-PAUSE pauses=%d transfers=%d told=%s committed=%d history=%d seed=%d%n", pauses,
                lines.size(), kinds, inA.size(), entries.size(), SEED);
        assertThat(contradictions).as("answers the databases contradict").isEmpty();
        assertThat(pauses).isGreaterThanOrEqualTo(PAUSES);
        assertThat(kinds.getOrDefault("OUTCOME", 0)).isPositive();
    }
}
