package dev.baton.jta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.ChildJvm;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
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
 * A coordinator crash in the middle of a commit, through Spring unchanged: a child JVM
 * ({@link JtaTransferProcess}) runs {@code @Transactional} transfers between two PostgreSQL
 * databases on two threads and is SIGKILLed, {@link #KILLS} times, exactly at a planned point of a
 * commit (the pattern of txn-coordinator's {@code XaProcessCrashTest}): with the work done but
 * nothing prepared ({@code beforeCompletion}), between prepare and decision, between decision and
 * commit, during commit (one branch committed), and after commit before the decision's clean-up.
 * The other thread stops at the next point it reaches, so a kill often leaves two transactions
 * behind. Only the survivor, a {@link BatonJta} in this JVM with the same resources registered,
 * finishes what each dead child left, while the next child already runs.
 *
 * <p>PostgreSQL is the ground truth. At the end: nothing is left in {@code pg_prepared_xacts} and
 * no decision in ZooKeeper, money is conserved, a transfer is in both databases or in neither,
 * every outcome a caller of the {@code @Transactional} method was told is what the databases hold,
 * and the transaction killed at the planned point committed if and only if its decision had been
 * written.
 */
@Tag("slow")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JtaCrashTest {

    /** Where a child is killed, in the order of a commit; COMMITTING is its {@code beforeCompletion}. */
    private static final String[] POINTS = {"COMMITTING", "XA_PREPARED", "XA_DECIDED", "XA_COMMITTING", "XA_COMMITTED"};
    private static final int KILLS = 4 * POINTS.length;
    private static final int ACCOUNTS = 100;
    private static final int THREADS = 2;
    private static final int LAST_RUN_TRANSFERS = 10;
    private static final long SEED = Long.getLong("baton.test.seed", 20261202L);

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = JtaTesting.zooKeeper();

    /** What callers of the {@code @Transactional} method were told, by transaction. */
    private final Map<String, String> reported = new HashMap<>();
    private final List<String> errors = new ArrayList<>();

    @Test
    void killingTheApplicationAtEveryPointOfACommitNeverBreaksAtomicityAndTheSurvivorRecovers() throws Exception {
        int port = BANK.port();
        Bank.reset(port, ACCOUNTS);
        Random random = new Random(SEED);
        CuratorFramework survivorSession = JtaTesting.client(ZK);
        BatonJta survivor = ZK.closeAfter(JtaTesting.bank(survivorSession, port)
                .recoveryInterval(Duration.ofSeconds(2)).start());

        Map<String, Boolean> mustCommit = new LinkedHashMap<>();
        int leftInDoubt = 0;
        for (int run = 0; run < KILLS; run++) {
            String point = POINTS[run % POINTS.length];
            int killAt = random.nextInt(4);
            ChildJvm child = child("kill-" + run, random.nextLong(), 1000, String.valueOf(killAt), point);
            String killed = readUntilTheKillPoint(child, run);
            child.kill();
            readTheRest(child);
            mustCommit.put(killed, !point.equals("COMMITTING") && !point.equals("XA_PREPARED"));
            if (Bank.prepared(port).stream().map(Bank::txnIdOf).anyMatch(killed::equals)) {
                leftInDoubt++;
            }
        }

        long committedBetweenKills = reported.values().stream().filter("COMMITTED"::equals).count();
        int reportedBeforeTheLastRun = reported.size();
        ChildJvm last = child("last", random.nextLong(), LAST_RUN_TRANSFERS);
        String line;
        while ((line = last.next(Duration.ofSeconds(60))) != null && !line.equals("DONE")) {
            record(line);
        }
        assertThat(line).as("the last run finishes (see target/jta-crash-child-last.log)").isEqualTo("DONE");
        assertThat(last.exitCode(Duration.ofSeconds(30))).isZero();
        readTheRest(last);
        assertThat(reported.size() - reportedBeforeTheLastRun).as("the last run's callers were all told an outcome")
                .isEqualTo(THREADS * LAST_RUN_TRANSFERS);

        Timing.await("the survivor finishes every branch and deletes every decision")
                .atMost(Timing.scaled(Duration.ofSeconds(60)))
                .until(() -> Bank.prepared(port).isEmpty()
                        && survivorSession.getChildren().forPath("/baton/xa/decisions").isEmpty());

        Set<String> inA = Bank.transfers(port, "bank_a");
        Set<String> inB = Bank.transfers(port, "bank_b");
        long committed = reported.values().stream().filter("COMMITTED"::equals).count();
        System.out.printf("JTA-CRASH kills=%d (%d at each of %s) killed-in-doubt=%d reported=%d reported-committed=%d"
                        + " committed-in-databases=%d seed=%d%n", KILLS, KILLS / POINTS.length, String.join(",", POINTS),
                leftInDoubt, reported.size(), committed, inA.size(), SEED);

        assertThat(errors).as("nothing but outcomes from the children").isEmpty();
        assertThat(Bank.total(port)).as("money is conserved").isEqualTo(2L * ACCOUNTS * Bank.OPENING_BALANCE);
        assertThat(inA).as("a transfer is in both databases or in neither").isEqualTo(inB);
        List<String> contradictions = new ArrayList<>();
        reported.forEach((txnId, outcome) -> {
            if (!outcome.equals("UNKNOWN") && outcome.equals("COMMITTED") != inA.contains(txnId)
                    || outcome.equals("HEURISTIC")) {
                contradictions.add(txnId + " reported " + outcome + ", committed: " + inA.contains(txnId));
            }
        });
        mustCommit.forEach((txnId, commit) -> {
            if (commit != inA.contains(txnId)) {
                contradictions.add(txnId + (commit ? " was killed after its decision but did not commit"
                        : " was killed before its decision but committed"));
            }
        });
        assertThat(contradictions).as("outcomes the databases contradict").isEmpty();
        assertThat(leftInDoubt).as("kills that left the killed transaction prepared, for the survivor to finish")
                .isPositive();
        assertThat(committedBetweenKills).as("the killed children committed transfers before their kill").isPositive();
        assertThat(survivor.resources()).containsExactly("bank_a", "bank_b");
    }

    private static ChildJvm child(String name, long seed, int transfersPerThread, String... killPlan) {
        List<String> args = new ArrayList<>(List.of(ZK.connectString(), String.valueOf(BANK.port()),
                String.valueOf(ACCOUNTS), String.valueOf(seed), String.valueOf(THREADS),
                String.valueOf(transfersPerThread)));
        args.addAll(List.of(killPlan));
        return new ChildJvm(JtaTransferProcess.class, new File("target/jta-crash-child-" + name + ".log"),
                args.toArray(String[]::new));
    }

    /** Reads the child's lines up to {@code KILLME <txnId>}; returns that transaction's id. */
    private String readUntilTheKillPoint(ChildJvm child, int run) throws InterruptedException {
        for (String line = child.next(Duration.ofSeconds(60)); line != null; line = child.next(Duration.ofSeconds(60))) {
            if (line.startsWith("KILLME ")) {
                return line.substring("KILLME ".length());
            }
            record(line);
        }
        throw new AssertionError("run " + run + " did not reach its kill point (see target/jta-crash-child-kill-" + run
                + ".log); errors so far: " + errors);
    }

    private void readTheRest(ChildJvm child) throws InterruptedException {
        for (String line = child.next(Duration.ofSeconds(5)); line != null; line = child.next(Duration.ofSeconds(5))) {
            record(line);
        }
    }

    private void record(String line) {
        String[] words = line.split(" ", 3);
        switch (words[0]) {
            case "COMMITTED", "ABORTED", "UNKNOWN", "HEURISTIC" -> reported.put(words[1], words[0]);
            case "READY", "DONE", "BEGIN", "COMMITTING", "XA_PREPARED", "XA_DECIDED", "XA_COMMITTING", "XA_COMMITTED",
                    "KILLME" -> { }
            default -> errors.add(line);
        }
    }
}
