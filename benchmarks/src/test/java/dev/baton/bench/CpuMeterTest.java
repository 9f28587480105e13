package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How {@link CpuMeter} reads {@code /proc} and tells ZooKeeper's server threads. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CpuMeterTest {

    @Test
    void aStatLineIsReadAfterTheCommandNameEvenWhenTheNameHoldsSpacesAndParentheses() {
        String line = "4242 (postgres: bank (idle) x) S 4100 4100 4100 0 -1 4194560 1000 0 0 0 37 12 5 3 20 0 1 0 "
                + "123 456 789 18446744073709551615";
        assertThat(CpuMeter.parseStat(line)).containsExactly(4100, 37, 12, 5, 3);
    }

    @Test
    void thisProcessHasAParentAndCpuTime() {
        long[] own = CpuMeter.stat(Path.of("/proc/self/stat"));
        assertThat(own).isNotNull();
        assertThat(own[0]).isPositive();
        assertThat(own[1] + own[2]).isNotNegative();
        assertThat(CpuMeter.stat(Path.of("/proc/no-such-process/stat"))).isNull();
    }

    @Test
    void zooKeeperServerThreadsAreToldByNameAndItsClientsAreNot() {
        assertThat(CpuMeter.isZooKeeperServer("SyncThread:0")).isTrue();
        assertThat(CpuMeter.isZooKeeperServer("ProcessThread(sid:0 cport:40123):")).isTrue();
        assertThat(CpuMeter.isZooKeeperServer("NIOWorkerThread-3")).isTrue();
        assertThat(CpuMeter.isZooKeeperServer("CommitProcWorkThread-1")).isTrue();
        assertThat(CpuMeter.isZooKeeperServer("main-SendThread(127.0.0.1:40123)")).isFalse();
        assertThat(CpuMeter.isZooKeeperServer("main-EventThread")).isFalse();
    }

    @Test
    void aMeterWithoutPostgresCountsThisJvm() {
        CpuMeter meter = new CpuMeter(List.of());
        CpuMeter.Reading before = meter.read();
        long spin = 0;
        for (int i = 0; i < 5_000_000; i++) {
            spin += i % 7;
        }
        CpuMeter.Reading spent = meter.read().since(before);
        assertThat(spin).isPositive();
        assertThat(spent.jvm()).isPositive();
        assertThat(spent.postgres()).isZero();
    }

    @Test
    void hotSpotsCompilerAndCollectorThreadsAreToldByTheirProcNames() {
        assertThat(CpuMeter.isJit("C2 CompilerThre")).isTrue();
        assertThat(CpuMeter.isJit("C1 CompilerThre")).isTrue();
        assertThat(CpuMeter.isGc("GC Thread#1")).isTrue();
        assertThat(CpuMeter.isGc("G1 Conc#0")).isTrue();
        assertThat(CpuMeter.isGc("VM Thread")).isTrue();
        assertThat(CpuMeter.isJit("GC Thread#1")).isFalse();
        assertThat(CpuMeter.isGc("C2 CompilerThre")).isFalse();
        for (String other : List.of("VM Periodic Tas", "main", "baton-txn-parti")) {
            assertThat(CpuMeter.isJit(other) || CpuMeter.isGc(other)).as(other).isFalse();
        }
    }

    @Test
    void theRuntimesShareIsPartOfTheJvmsAndNeverNegative() {
        CpuMeter meter = new CpuMeter(List.of());
        CpuMeter.Reading before = meter.read();
        System.gc();
        CpuMeter.Reading spent = meter.read().since(before);
        assertThat(spent.jit()).isNotNegative();
        assertThat(spent.gc()).isNotNegative(); // 10 ms ticks: one System.gc() may read zero
        assertThat(spent.jit() + spent.gc()).isLessThanOrEqualTo(spent.jvm() + 20_000_000); // /proc ticks are 10 ms
    }
}
