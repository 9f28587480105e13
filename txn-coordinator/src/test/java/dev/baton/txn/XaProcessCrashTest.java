package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.ChildJvm;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.xa.XaTransactions;
import java.io.File;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
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
 * The in-process XA path under SIGKILL: a child JVM moves money between two PostgreSQL databases
 * and is killed, at least {@link #KILLS} times, exactly at a planned point of a commit: with the
 * work done but nothing prepared, between prepare and decision, between decision and commit,
 * during commit (one branch committed), and after commit before the decision's clean-up; every
 * sixth time at a random moment instead. An instance in this JVM, with the same resources
 * registered, recovers what each dead one left. PostgreSQL is the ground truth: at the end no
 * branch is prepared, no decision is left, money is conserved, a transfer is in both databases or
 * in neither, what the child reported is what the databases hold, and a transaction killed after
 * its decision committed while one killed before it did not.
 */
@Tag("slow")
@Timeout(value = 30, unit = TimeUnit.MINUTES) // 200 child JVMs: about 3 minutes alone, ten times that on a starved machine
class XaProcessCrashTest {

    private static final int KILLS = 200;
    private static final int ACCOUNTS = 200;
    private static final long SEED = Long.getLong("baton.test.seed", 20261202L);
    private static final Step[] PLANS = {null, Step.XA_PREPARED, Step.XA_DECIDED, Step.XA_COMMITTING, Step.XA_COMMITTED};

    @RegisterExtension
    static final BankServer BANK = new BankServer();
    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    @Test
    void killingTheProcessAtEveryStepOfACommitNeverBreaksAtomicity() throws Exception {
        Bank.reset(BANK.port(), ACCOUNTS);
        Random random = new Random(SEED);
        CuratorFramework survivorClient = ZK.closeAfter(TxnTesting.client(ZK.connectString()));
        ZK.closeAfter(XaTransactions.builder(survivorClient)
                .resource("bank_a", Bank.dataSource(BANK.port(), "bank_a"))
                .resource("bank_b", Bank.dataSource(BANK.port(), "bank_b"))
                .recoveryGrace(Duration.ZERO).recoveryInterval(Duration.ofSeconds(2)).start());

        Map<String, String> reported = new HashMap<>();
        Map<String, Boolean> mustCommit = new HashMap<>();
        Map<Step, Integer> killsAt = new EnumMap<>(Step.class);
        int beforeCommit = 0;
        int atRandom = 0;
        for (int run = 0; run < KILLS; run++) {
            boolean randomMoment = run % 6 == 5;
            Step plan = PLANS[run % PLANS.length];
            int at = random.nextInt(3);
            List<String> args = new ArrayList<>(List.of(ZK.connectString(), String.valueOf(BANK.port()),
                    String.valueOf(ACCOUNTS), String.valueOf(random.nextLong()), String.valueOf(randomMoment ? 50 : at + 30)));
            if (!randomMoment) {
                args.add(String.valueOf(at));
                if (plan != null) {
                    args.add(plan.name());
                }
            }
            ChildJvm child = new ChildJvm(XaTransferProcess.class, new File("target/xa-crash-child-" + run + ".log"),
                    args.toArray(String[]::new));
            String lastBegun = null;
            String line;
            long randomKillAfter = randomMoment ? 1 + random.nextInt(12) : -1;
            int linesSeen = 0;
            while ((line = child.next(Duration.ofSeconds(30))) != null) {
                linesSeen++;
                if (line.startsWith("BEGIN ")) {
                    lastBegun = line.split(" ")[2];
                }
                record(line, reported);
                if (line.equals("KILLME") || (randomMoment && linesSeen >= randomKillAfter && lastBegun != null)) {
                    break;
                }
            }
            assertThat(line).as("run %d reached its kill point (see target/xa-crash-child-%d.log)", run, run)
                    .isNotNull();
            child.kill();
            if (randomMoment) {
                atRandom++;
            } else if (plan == null) {
                beforeCommit++;
                mustCommit.put(lastBegun, false);
            } else {
                killsAt.merge(plan, 1, Integer::sum);
                mustCommit.put(lastBegun, plan != Step.XA_PREPARED);
            }
        }

        ChildJvm last = new ChildJvm(XaTransferProcess.class, new File("target/xa-crash-child-last.log"),
                ZK.connectString(), String.valueOf(BANK.port()), String.valueOf(ACCOUNTS),
                String.valueOf(random.nextLong()), "20");
        String line;
        while ((line = last.next(Duration.ofSeconds(60))) != null && !line.equals("DONE")) {
            record(line, reported);
        }
        assertThat(line).as("the last run finishes").isEqualTo("DONE");
        assertThat(last.exitCode(Duration.ofSeconds(20))).isZero();

        CuratorFramework inspector = ZK.closeAfter(TxnTesting.inspector(ZK.connectString()));
        Timing.await("recovery finishes every branch and deletes every decision")
                .atMost(Timing.scaled(Duration.ofSeconds(90)))
                .until(() -> Bank.prepared(BANK.port()).isEmpty()
                        && inspector.getChildren().forPath("/baton/xa/decisions").isEmpty());

        int port = BANK.port();
        Set<String> inA = Bank.transfers(port, "bank_a");
        Set<String> inB = Bank.transfers(port, "bank_b");
        System.out.printf("XA-PROCESS-CRASH kills=%d before-commit=%d at-steps=%s random=%d reported=%d committed=%d"
                + " seed=%d%n", KILLS, beforeCommit, killsAt, atRandom, reported.size(), inA.size(), SEED);
        assertThat(Bank.total(port)).as("money is conserved").isEqualTo(2L * ACCOUNTS * Bank.OPENING_BALANCE);
        assertThat(inA).as("a transfer is in both databases or in neither").isEqualTo(inB);
        List<String> contradictions = new ArrayList<>();
        reported.forEach((txnId, state) -> {
            if (!state.equals("UNKNOWN") && state.equals("COMMITTED") != inA.contains(txnId)) {
                contradictions.add(txnId + " reported " + state);
            }
        });
        mustCommit.forEach((txnId, commit) -> {
            if (commit != inA.contains(txnId)) {
                contradictions.add(txnId + (commit ? " was killed after its decision but did not commit"
                        : " was killed before its decision but committed"));
            }
        });
        assertThat(contradictions).as("outcomes the databases contradict").isEmpty();
        assertThat(killsAt.keySet()).containsExactlyInAnyOrder(Step.XA_PREPARED, Step.XA_DECIDED, Step.XA_COMMITTING,
                Step.XA_COMMITTED);
    }

    private static void record(String line, Map<String, String> reported) {
        if (line.startsWith("OUTCOME ")) {
            String[] parts = line.split(" ");
            reported.put(parts[1], parts[2]);
        } else if (line.startsWith("UNKNOWN ")) {
            reported.put(line.split(" ")[1], "UNKNOWN");
        }
    }
}
