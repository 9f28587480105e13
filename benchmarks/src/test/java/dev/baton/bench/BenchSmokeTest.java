package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs every benchmark row briefly so the harness cannot rot. Asserts only that each row has a
 * number, and that each XA contestant really prepared: no timing is asserted.
 */
class BenchSmokeTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyLockAndTxnRowProducesANumber() throws Exception {
        List<Row> rows = BenchMain.lockAndTxnRows(true);
        assertThat(rows).isNotEmpty();
        everyRowHasANumber(rows);
        assertThat(Report.table(rows)).contains("Baton ZooKeeper", "Curator InterProcessMutex");
    }

    /**
     * The XA transfer group in quick mode (two embedded PostgreSQL servers, one ZooKeeper server,
     * every contestant for a moment): 15 to 35 s on two shared cores, 80 s at a load average of 36.
     */
    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void xaGroupRunsAndEveryContestantPreparesBothBranches() throws Exception {
        List<Row> rows = BenchMain.run(true, "XA");
        assertThat(rows).isNotEmpty().allSatisfy(row -> assertThat(row.group()).startsWith(XaBench.FAMILY));
        everyRowHasANumber(rows);
        everyXaContestantPreparedBothBranches(rows);
        cpuIsCountedWhereItIsSpent(rows);
        for (String contestant : List.of(XaBench.FLOOR, XaBench.ATOMIKOS, XaBench.NARAYANA, XaBench.ZK_FLOOR_ONE,
                XaBench.INPROC_ONE, XaBench.BATON_ONE)) {
            assertThat(rows).as(contestant + ": ZooKeeper creates timed under its load").anySatisfy(row -> {
                assertThat(row.group()).isEqualTo(XaBench.createGroup(8));
                assertThat(row.contestant()).startsWith(contestant).endsWith(" creates)");
                assertThat(row.median()).isPositive();
                assertThat(row.p99()).isGreaterThanOrEqualTo(row.median());
            });
        }
        assertThat(rows).as("requests per transfer by number of callers").anySatisfy(row ->
                assertThat(row.contestant()).startsWith(XaBench.BATON_ONE).contains(": ZooKeeper requests per transfer at "));
    }

    /**
     * The CPU rows find both PostgreSQL servers' processes and the ZooKeeper server's threads by
     * name (every Baton contestant's transfers cost them CPU). Quick mode's rounds are a few
     * transfers and PostgreSQL's CPU is counted in clock ticks (10 ms), so a round's share may
     * read zero: PostgreSQL's is required in some round, not in every median.
     */
    private static void cpuIsCountedWhereItIsSpent(List<Row> rows) {
        List<Row> cpu = rows.stream().filter(row -> row.group().equals(XaBench.cpuGroup(8))).toList();
        for (String contestant : List.of(XaBench.FLOOR, XaBench.ATOMIKOS, XaBench.NARAYANA, XaBench.ZK_FLOOR_ONE,
                XaBench.INPROC_ONE, XaBench.BATON_ONE)) {
            for (String part : List.of(": all", ": JVM less ZooKeeper server", ": of which JIT compilers",
                    ": of which GC",
                    ": ZooKeeper server threads",
                    ": PostgreSQL processes")) {
                assertThat(cpu).as(contestant + part).anySatisfy(row -> {
                    assertThat(row.contestant()).startsWith(contestant).endsWith(part);
                    assertThat(row.low()).isNotNegative();
                });
            }
        }
        for (String contestant : List.of(XaBench.FLOOR, XaBench.ATOMIKOS, XaBench.NARAYANA, XaBench.ZK_FLOOR_ONE,
                XaBench.INPROC_ONE, XaBench.BATON_ONE)) {
            assertThat(cpu).as(contestant + ": cores busy, above zero in every round").anySatisfy(row -> {
                assertThat(row.contestant()).startsWith(contestant).contains(": cores busy");
                assertThat(row.unit()).isEqualTo("%");
                assertThat(row.low()).isPositive();
            });
        }
        for (String contestant : List.of(XaBench.INPROC_ONE, XaBench.BATON_ONE)) {
            // Baton's own threads wait for ZooKeeper's replies at least: sleeps in every round.
            assertThat(cpu).as(contestant + ": thread sleeps, above zero in every round").anySatisfy(row -> {
                assertThat(row.contestant()).startsWith(contestant).contains(": thread sleeps");
                assertThat(row.unit()).isEqualTo("switches");
                assertThat(row.low()).isPositive();
            });
        }
        assertThat(cpu).filteredOn(row -> row.contestant().endsWith(": PostgreSQL processes"))
                .anySatisfy(row -> assertThat(row.high()).isPositive());
        for (String baton : List.of(XaBench.INPROC_ONE, XaBench.BATON_ONE)) {
            assertThat(cpu).as(baton).anySatisfy(row -> {
                assertThat(row.contestant()).startsWith(baton).endsWith(": ZooKeeper server threads");
                assertThat(row.median()).isPositive();
            });
        }
    }

    private static void everyRowHasANumber(List<Row> rows) {
        assertThat(rows).allSatisfy(row -> assertThat(Double.isFinite(row.median()))
                .as("%s / %s", row.group(), row.contestant()).isTrue());
    }

    /** The XA group's counts: two prepares and two second-phase commits per transfer, prepares seen in PostgreSQL. */
    private static void everyXaContestantPreparedBothBranches(List<Row> rows) {
        List<Row> calls = rows.stream().filter(row -> row.group().equals(XaBench.CALLS)).toList();
        for (String contestant : List.of(XaBench.FLOOR, XaBench.ATOMIKOS, XaBench.NARAYANA, XaBench.ZK_FLOOR_ONE,
                XaBench.INPROC_ONE, XaBench.BATON_ONE)) {
            assertThat(calls).as(contestant).anySatisfy(row -> {
                assertThat(row.contestant()).startsWith(contestant + ": prepares per transfer");
                assertThat(row.median()).isEqualTo(2.0);
            });
            assertThat(calls).as(contestant).anySatisfy(row -> {
                assertThat(row.contestant()).isEqualTo(contestant + ": second-phase commits per transfer");
                assertThat(row.median()).isEqualTo(2.0);
            });
            assertThat(calls).as(contestant).anySatisfy(row -> {
                assertThat(row.contestant()).isEqualTo(contestant + ": one-phase commits per transfer");
                assertThat(row.median()).isZero();
            });
            assertThat(calls).as(contestant).anySatisfy(row -> {
                assertThat(row.contestant()).startsWith(contestant + ": both branches in pg_prepared_xacts");
                assertThat(row.median()).isEqualTo(100.0);
            });
        }
        for (String baton : List.of(XaBench.INPROC_ONE, XaBench.BATON_ONE)) {
            assertThat(calls).as(baton).anySatisfy(row -> {
                assertThat(row.contestant()).startsWith(baton + ": ZooKeeper requests per transfer");
                assertThat(row.median()).isPositive();
            });
            assertThat(calls).as(baton).anySatisfy(row -> {
                assertThat(row.contestant()).startsWith(baton + ": ZooKeeper watch events sent per transfer");
                assertThat(row.median()).isNotNegative();
            });
        }
        // The floor with a create sends one per transfer, and pings besides.
        assertThat(calls).anySatisfy(row -> {
            assertThat(row.contestant()).startsWith(XaBench.ZK_FLOOR_ONE + ": ZooKeeper requests per transfer (");
            assertThat(row.median()).isGreaterThanOrEqualTo(1.0);
        });
        // The distributed path learns of votes, decisions and acknowledgements through watches.
        assertThat(calls).anySatisfy(row -> {
            assertThat(row.contestant()).startsWith(XaBench.BATON_ONE + ": ZooKeeper watch events sent per transfer");
            assertThat(row.median()).isPositive();
        });
    }
}
