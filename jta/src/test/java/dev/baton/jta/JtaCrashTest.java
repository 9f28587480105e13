package dev.baton.jta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
 * A coordinator crash in the middle: a child JVM ({@link JtaTransferProcess}) runs Spring
 * {@code @Transactional} transfers between two PostgreSQL databases on three threads and is
 * SIGKILLed at random moments, half the time right as a commit starts (its {@code beforeCompletion}
 * said so), many times over. After each kill only the survivor, a {@link BatonJta} in this JVM with
 * the same resources registered, is running; it must finish every branch the dead child left
 * prepared (commit those whose decision exists, roll back the others once the child's session is
 * gone) before the next child starts. At the end: money is conserved, {@code pg_prepared_xacts}
 * is empty, both databases hold the same transfers, every transfer the child reported committed
 * is in both and every one it reported aborted in neither, and no decision is left in ZooKeeper.
 */
@Tag("slow")
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JtaCrashTest {

    private static final int MAX_KILLS = 20;
    private static final int MIN_KILLS = 8;
    private static final int THREADS = 3;
    private static final long SEED = Long.getLong("baton.test.seed", 20260512L);

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    /** What the children told, and what the kills left behind. */
    private final Map<String, String> reported = new HashMap<>();
    private final List<String> errors = new ArrayList<>();
    private final Set<String> inDoubtAtKill = new HashSet<>();
    private int preparedBranchesAtKill;
    private int killsWhileCommitting;

    @Test
    void killingTheApplicationAtRandomMomentsNeverBreaksAtomicityAndTheSurvivorRecovers() throws Exception {
        Random random = new Random(SEED);
        long loopEnd = System.nanoTime() + Timing.scaled(Duration.ofSeconds(100)).toNanos();
        int kills = 0;
        CuratorFramework survivorSession = JtaTesting.client(ZK);
        BatonJta survivor = ZK.closeAfter(JtaTesting.bank(survivorSession, BANK.port())
                .recoveryInterval(Duration.ofSeconds(2)).start());
        while (kills < MAX_KILLS && System.nanoTime() - loopEnd < 0) {
            ChildJvm child = transfers(random.nextLong(), kills);
            try {
                runUntilTheKill(child, random);
            } finally {
                child.kill();
            }
            kills++;
            readTheRest(child);
            Set<String> prepared = Bank.prepared(BANK.port());
            preparedBranchesAtKill += prepared.size();
            prepared.forEach(gid -> inDoubtAtKill.add(Bank.txnIdOf(gid)));
            Timing.await("the survivor finishes what kill " + kills + " left prepared: " + prepared)
                    .atMost(Timing.scaled(Duration.ofSeconds(30)))
                    .until(() -> Bank.prepared(BANK.port()).isEmpty());
        }
        assertThat(survivor.resources()).containsExactly("bank_a", "bank_b");

        Set<String> inA = Bank.transfers(BANK.port(), "bank_a");
        Set<String> inB = Bank.transfers(BANK.port(), "bank_b");
        long committedInDoubt = inDoubtAtKill.stream().filter(inA::contains).count();
        long reportedCommitted = reported.values().stream().filter("COMMITTED"::equals).count();
        long reportedAborted = reported.values().stream().filter("ABORTED"::equals).count();
        long reportedUnknown = reported.values().stream().filter("UNKNOWN"::equals).count();
        System.out.printf("JTA-CRASH kills=%d while-committing=%d reported-committed=%d reported-aborted=%d"
                        + " reported-unknown=%d committed-in-databases=%d prepared-branches-at-kill=%d"
                        + " in-doubt-transactions=%d recovered-committed=%d recovered-rolled-back=%d seed=%d%n",
                kills, killsWhileCommitting, reportedCommitted, reportedAborted, reportedUnknown, inA.size(),
                preparedBranchesAtKill, inDoubtAtKill.size(), committedInDoubt, inDoubtAtKill.size() - committedInDoubt,
                SEED);

        assertThat(errors).as("nothing but outcomes from the children").isEmpty();
        assertThat(kills).isGreaterThanOrEqualTo(MIN_KILLS);
        assertThat(killsWhileCommitting).isPositive();
        assertThat(reportedCommitted).isGreaterThan(kills);
        assertThat(Bank.total(BANK.port())).as("money is conserved").isEqualTo(Bank.TOTAL);
        assertThat(Bank.prepared(BANK.port())).as("nothing is left prepared").isEmpty();
        assertThat(inA).as("a transfer committed in one database committed in the other").isEqualTo(inB);
        List<String> contradicted = new ArrayList<>();
        reported.forEach((txnId, outcome) -> {
            if (outcome.equals("COMMITTED") && !inA.contains(txnId) || outcome.equals("ABORTED") && inA.contains(txnId)) {
                contradicted.add(txnId + " reported " + outcome);
            }
        });
        assertThat(contradicted).as("outcomes the child reported that the databases contradict").isEmpty();
        assertThat(inDoubtAtKill).as("some kill left branches prepared for the survivor to finish").isNotEmpty();
        Timing.await("the survivor deletes the dead children's decisions")
                .until(() -> survivorSession.getChildren().forPath("/baton/xa/decisions").isEmpty());
    }

    private static ChildJvm transfers(long seed, int run) {
        return new ChildJvm(JtaTransferProcess.class, new File("target/jta-crash-child-" + run + ".log"),
                ZK.connectString(), String.valueOf(BANK.port()), String.valueOf(seed), String.valueOf(THREADS),
                String.valueOf(ZooKeeperServerExtension.sessionTimeout().toMillis()));
    }

    /**
     * Reads the child's lines until the moment to kill it: the k-th commit starting, or a random
     * time after it is ready.
     */
    private void runUntilTheKill(ChildJvm child, Random random) throws InterruptedException {
        String line = child.next(Duration.ofSeconds(60));
        assertThat(line).as("the child starts (see target/jta-crash-child-*.log)").isEqualTo("READY");
        boolean whileCommitting = random.nextBoolean();
        int commitsToKillAt = 1 + random.nextInt(40);
        long killAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100 + random.nextInt(2500));
        int commits = 0;
        while (whileCommitting || System.nanoTime() - killAt < 0) {
            line = child.next(Duration.ofMillis(whileCommitting ? 10_000 : 20));
            if (line == null) {
                assertThat(child.isAlive()).as("the child runs until it is killed").isTrue();
                assertThat(whileCommitting).as("the child commits transfers").isFalse();
                continue;
            }
            record(line);
            if (whileCommitting && line.startsWith("COMMITTING ") && ++commits == commitsToKillAt) {
                killsWhileCommitting++;
                return;
            }
        }
    }

    private void readTheRest(ChildJvm child) throws InterruptedException {
        for (String line = child.next(Duration.ofSeconds(5)); line != null; line = child.next(Duration.ofSeconds(5))) {
            record(line);
        }
    }

    private void record(String line) {
        String[] words = line.split(" ", 3);
        switch (words[0]) {
            case "COMMITTED":
            case "ABORTED":
            case "UNKNOWN":
                reported.put(words[1], words[0]);
                break;
            case "COMMITTING":
                break;
            default:
                errors.add(line);
        }
    }
}
