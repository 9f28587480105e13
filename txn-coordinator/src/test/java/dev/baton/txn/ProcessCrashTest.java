package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.ChildJvm;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.io.File;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole system under SIGKILL: a child JVM runs a coordinator and the participants of two
 * PostgreSQL databases and moves money between them; the test kills it at random moments (in the
 * middle of a transaction: right after it printed BEGIN or OUTCOME) and starts it again, over at
 * least 200 transactions. At the end: money is conserved, no branch is left prepared, ZooKeeper
 * holds no transaction, and every outcome the child reported is what the databases show.
 */
@Tag("slow")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ProcessCrashTest {

    private static final int TRANSACTIONS = 200;
    private static final int MAX_RUNS = 60;
    private static final long SEED = Long.getLong("baton.test.seed", 20240601L);

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    @Test
    void killingTheCoordinatorProcessAtRandomMomentsNeverBreaksAtomicity() throws Exception {
        Random random = new Random(SEED);
        Map<String, String> reported = new HashMap<>();
        Instant giveUp = Instant.now().plus(Timing.scaled(Duration.ofMinutes(3)));
        int begun = 0;
        int kills = 0;
        int runs = 0;
        int preparedAtKill = 0;
        int openAtKill = 0;
        try (CuratorFramework inspector = TxnTesting.inspector(ZK.connectString())) {
            while (begun < TRANSACTIONS && runs < MAX_RUNS && Instant.now().isBefore(giveUp)) {
                ChildJvm child = transfers(random.nextLong(), 1000, runs++);
                int killAt = 2 + random.nextInt(25);
                boolean onBegin = random.nextBoolean();
                int seen = 0;
                String line;
                while ((line = child.next(Duration.ofSeconds(30))) != null) {
                    begun += line.startsWith("BEGIN ") ? 1 : 0;
                    record(line, reported);
                    if (line.startsWith(onBegin ? "BEGIN " : "OUTCOME ") && ++seen == killAt) {
                        break;
                    }
                }
                child.kill();
                kills++;
                preparedAtKill += Bank.prepared(BANK.port()).size();
                openAtKill += TxnTesting.transactions(inspector).size();
            }
        }
        ChildJvm last = transfers(random.nextLong(), 20, runs++);
        try {
            String line;
            while ((line = last.next(Duration.ofSeconds(90))) != null && !line.equals("DRAINED")) {
                begun += line.startsWith("BEGIN ") ? 1 : 0;
                record(line, reported);
            }
            assertThat(line).as("the last run finishes and drains").isEqualTo("DRAINED");
            assertThat(last.exitCode(Duration.ofSeconds(20))).isZero();
        } finally {
            last.kill();
        }
        System.out.printf("PROCESS-CRASH runs=%d kills=%d begun=%d reported=%d prepared-at-kill=%d open-at-kill=%d"
                + " seed=%d%n", runs, kills, begun, reported.size(), preparedAtKill, openAtKill, SEED);

        checkDatabases(reported); // first: what was done is checked even when the time ran out before the count
        assertThat(begun).as("transactions begun within the time").isGreaterThanOrEqualTo(TRANSACTIONS);
    }

    private static ChildJvm transfers(long seed, int count, int run) {
        return new ChildJvm(TransferProcess.class, new File("target/process-crash-child-" + run + ".log"),
                ZK.connectString(), String.valueOf(BANK.port()), String.valueOf(seed), String.valueOf(count));
    }

    private static void record(String line, Map<String, String> reported) {
        if (line.startsWith("OUTCOME ")) {
            String[] parts = line.split(" ");
            reported.put(parts[1], parts[2]);
        }
    }

    private static void checkDatabases(Map<String, String> reported) throws Exception {
        int port = BANK.port();
        assertThat(Bank.total(port)).as("money is conserved").isEqualTo(2 * Bank.ACCOUNTS * Bank.OPENING_BALANCE);
        assertThat(Bank.prepared(port)).as("no branch is left prepared").isEmpty();
        Map<String, Outcome> history = new HashMap<>();
        try (CuratorFramework inspector = TxnTesting.inspector(ZK.connectString())) {
            assertThat(TxnTesting.transactions(inspector)).as("every transaction ended and was collected").isEmpty();
            try (TransactionCoordinator reader = TransactionCoordinator.start(inspector)) {
                reader.admin().recentOutcomes().forEach(outcome -> history.put(outcome.txnId(), outcome));
            }
        }
        Set<String> inA = Bank.transfers(port, "bank_a");
        Set<String> inB = Bank.transfers(port, "bank_b");
        assertThat(inA).as("a transfer committed in one database committed in the other").isEqualTo(inB);
        assertThat(history.keySet()).as("every committed transfer is in the history").containsAll(inA);
        assertThat(history.values()).as("the history agrees with the databases")
                .allSatisfy(outcome -> assertThat(outcome.isCommitted()).isEqualTo(inA.contains(outcome.txnId())));
        System.out.println("PROCESS-CRASH history=" + history.size() + " committed=" + inA.size());
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, String> outcome : reported.entrySet()) {
            boolean committed = outcome.getValue().equals("COMMITTED");
            if (committed != inA.contains(outcome.getKey())) {
                mismatches.add(outcome.getKey() + " reported " + outcome.getValue());
            }
        }
        assertThat(mismatches).as("reported outcomes that the databases contradict").isEmpty();
        assertThat(reported.values()).contains("COMMITTED", "ABORTED");
    }
}
