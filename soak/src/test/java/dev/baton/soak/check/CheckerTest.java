package dev.baton.soak.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The checker on hand-written histories: each class of finding, and a clean history with none. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CheckerTest {

    /** A history under construction; times in ms, written as µs. */
    private static final class H {
        final List<String> lines = new ArrayList<>(List.of("RUN\thorizonMs\t2000"));

        H line(Object... fields) {
            StringBuilder b = new StringBuilder();
            for (Object f : fields) {
                b.append(b.length() == 0 ? "" : "\t").append(f instanceof Integer i ? Long.toString(i * 1000L) : f);
            }
            lines.add(b.toString());
            return this;
        }

        /** A lease asked for at {@code start} ms, granted at {@code granted} ms. */
        H acq(String worker, String lock, int seq, int start, int granted, long token) {
            return line("ACQ", worker, lock, String.valueOf(seq), start, granted, String.valueOf(token));
        }

        H chk(String worker, int seq, int t, boolean valid) {
            return line("CHK", worker, String.valueOf(seq), t, valid ? "1" : "0");
        }

        H write(String worker, int seq, String lock, long token, int t, boolean ok) {
            return line("WRITE", worker, String.valueOf(seq), lock, String.valueOf(token), t, t, ok ? "OK" : "STALE");
        }

        H rel(String worker, int seq, int t) {
            return line("REL", worker, String.valueOf(seq), t);
        }

        H lost(String worker, int seq, int t) {
            return line("LOST", worker, String.valueOf(seq), t, "LEASE_EXPIRED");
        }

        H fault(int n, String kind, String target, int start, int heal, int end, boolean progressed) {
            return line("FAULT", String.valueOf(n), kind, target, start, heal, end, progressed ? "1" : "0");
        }

        CheckResult check() {
            return Checker.check(lines);
        }
    }

    /** Two holders one after the other, each checking, writing and releasing. */
    private static H cleanHandOff() {
        return new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true).write("w1-1", 1, "a", 5, 20, true).rel("w1-1", 1, 30)
                .acq("w2-1", "a", 1, 5, 40, 9).chk("w2-1", 1, 41, true).write("w2-1", 1, "a", 9, 50, true).rel("w2-1", 1, 60);
    }

    @Test
    void aCleanHandOffHasNoFindings() {
        CheckResult result = cleanHandOff().check();
        assertTrue(result.findings().isEmpty(), result.findings().toString());
        assertEquals(2, result.kind("none").grants());
        assertEquals(2, result.kind("none").writes());
    }

    @Test
    void aResourceThatAcceptsAnOlderTokenAfterANewerOneIsCaught() {
        CheckResult result = cleanHandOff().write("w1-1", 1, "a", 5, 70, true).check();
        assertEquals(1, result.count(Violation.Kind.STALE_WRITE_ACCEPTED));
    }

    @Test
    void aRefusedLateWriteIsFine() {
        CheckResult result = cleanHandOff().write("w1-1", 1, "a", 5, 70, false).check();
        assertTrue(result.violations().isEmpty(), result.findings().toString());
    }

    @Test
    void aTokenThatDoesNotGrowAfterAnEarlierGrantReturnedIsCaught() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 9).rel("w1-1", 1, 30)
                .acq("w2-1", "a", 1, 31, 40, 9).rel("w2-1", 1, 60)
                .check();
        assertEquals(1, result.count(Violation.Kind.TOKEN_ORDER));
    }

    @Test
    void grantsWhoseCallsOverlapInTimeMayCarryTokensInEitherOrder() {
        // w2 asked before w1's call returned: real time does not order them.
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 9).rel("w1-1", 1, 30)
                .acq("w2-1", "a", 1, 5, 40, 7).rel("w2-1", 1, 60)
                .check();
        assertEquals(0, result.count(Violation.Kind.TOKEN_ORDER));
    }

    @Test
    void twoValidHoldersWithoutAnyExplanationAreAViolation() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true).chk("w1-1", 1, 60, true).rel("w1-1", 1, 70)
                .acq("w2-1", "a", 1, 20, 30, 9).rel("w2-1", 1, 50)
                .check();
        assertEquals(1, result.count(Violation.Kind.VALID_OVERLAP));
        assertEquals(1, result.violations().size());
    }

    @Test
    void anOvertakenLeaseNeverReleasedNorToldIsCaught() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .acq("w2-1", "a", 1, 20, 30, 9).rel("w2-1", 1, 50)
                .line("BYE", "w1-1", 100)
                .check();
        assertEquals(1, result.count(Violation.Kind.LOST_MISSING));
    }

    @Test
    void anOverlapWhileTheOlderHolderWasPausedIsReportedApartAndItsLateWriteCounted() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .line("STALL", "w1-1", 20, 3020)
                .acq("w2-1", "a", 1, 100, 2100, 9).write("w2-1", 1, "a", 9, 2200, true)
                .write("w1-1", 1, "a", 5, 3021, false).chk("w1-1", 1, 3022, false).lost("w1-1", 1, 3023)
                .rel("w2-1", 1, 4000)
                .check();
        assertEquals(1, result.count(Violation.Kind.PAUSE_OVERLAP));
        assertTrue(result.violations().isEmpty(), result.findings().toString());
        assertEquals(1, result.kind("none").lateWrites());
        assertEquals(1, result.kind("none").lateWritesRefused());
    }

    @Test
    void aHolderThatStillBelievesItselfValidAfterItsPauseIsCaught() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .line("STALL", "w1-1", 20, 3020)
                .acq("w2-1", "a", 1, 100, 2100, 9)
                .write("w1-1", 1, "a", 5, 3021, false).chk("w1-1", 1, 3022, true).lost("w1-1", 1, 3200)
                .rel("w2-1", 1, 4000)
                .check();
        assertEquals(1, result.count(Violation.Kind.STALE_BELIEF_AFTER_PAUSE));
        assertEquals(1, result.kind("none").staleBeliefLag().count());
    }

    @Test
    void aShortStallDoesNotExplainAnOverlap() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .line("STALL", "w1-1", 20, 300)
                .acq("w2-1", "a", 1, 100, 200, 9)
                .chk("w1-1", 1, 400, true).rel("w1-1", 1, 500).rel("w2-1", 1, 600)
                .check();
        assertEquals(1, result.count(Violation.Kind.VALID_OVERLAP));
    }

    @Test
    void anOverlapDuringADataLosingRedisFaultIsTheDocumentedCaveat() {
        CheckResult result = new H()
                .line("PHASE", "redis-restart", 0, 10_000)
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .acq("w2-1", "a", 1, 1100, 1200, 9)
                .chk("w1-1", 1, 1300, false).lost("w1-1", 1, 1301).rel("w2-1", 1, 2000)
                .fault(1, "redis-restart", "redis-server:1", 1000, 1100, 1250, true)
                .check();
        assertEquals(1, result.count(Violation.Kind.DATA_LOSS_OVERLAP));
        assertTrue(result.violations().isEmpty(), result.findings().toString());
        assertEquals(1, result.kind("redis-restart").injections());
    }

    /**
     * Run K34: the Sentinel failed over a second time on its own, 1 s after an injected failover
     * had healed, and the lease the demoted master granted in between was lost like any other.
     */
    @Test
    void anOverlapAfterAFailoverTheServersMadeOnTheirOwnIsTheDocumentedCaveat() {
        H history = new H()
                .line("PHASE", "sentinel-failover", 0, 20_000)
                .fault(1, "sentinel-failover", "redis-server:1 (master)", 1000, 3000, 3500, true)
                .line("FAILOVER", 2000, 3000, ":1 -> :2")
                .acq("w1-1", "a", 1, 7500, 7600, 5).chk("w1-1", 1, 7700, true)
                .acq("w2-1", "a", 1, 8000, 8700, 9)
                .chk("w1-1", 1, 8800, true).lost("w1-1", 1, 9000).rel("w2-1", 1, 9500);
        CheckResult withoutTheWatch = Checker.check(history.lines);
        assertEquals(1, withoutTheWatch.count(Violation.Kind.VALID_OVERLAP), withoutTheWatch.findings().toString());

        CheckResult result = history.line("FAILOVER", 6000, 8200, ":2 -> :1").check();
        assertTrue(result.violations().isEmpty(), result.findings().toString());
        assertEquals(1, result.count(Violation.Kind.DATA_LOSS_OVERLAP));
        assertEquals(1, result.count(Violation.Kind.UNINJECTED_FAILOVER), "the injected failover is not counted");
        assertEquals(1, result.kind("sentinel-failover").injections());
    }

    @Test
    void anOverlapWhileTheOlderHolderWasPartitionedIsClassedSo() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true).chk("w1-1", 1, 5000, true)
                .acq("w2-1", "a", 1, 4000, 4500, 9)
                .lost("w1-1", 1, 6500).rel("w2-1", 1, 7000)
                .fault(1, "worker-partition", "w1-1", 100, 5100, 6000, true)
                .check();
        assertEquals(1, result.count(Violation.Kind.VALID_OVERLAP_PARTITIONED));
    }

    @Test
    void aLeaseSeenInvalidWithoutLostCompletingIsCaught() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, false).rel("w1-1", 1, 12)
                .check();
        assertEquals(1, result.count(Violation.Kind.LOST_MISSING));
    }

    @Test
    void aKilledHoldersLeaseNeedsNoLost() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .acq("w2-1", "a", 1, 1000, 2100, 9).rel("w2-1", 1, 2200)
                .fault(1, "worker-kill", "w1-1", 100, 200, 2150, true)
                .check();
        assertTrue(result.violations().isEmpty(), result.findings().toString());
        assertEquals(2000, result.kind("worker-kill").takeover().percentile(50) / 1000);
    }

    @Test
    void lostDelayIsMeasuredFromTheResumeForAPauseAndFromTheStrikeOtherwise() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .lost("w1-1", 1, 3050).rel("w1-1", 1, 3060)
                .fault(1, "worker-pause", "w1-1", 100, 3000, 3100, true)
                .acq("w2-1", "b", 1, 4000, 4010, 7).chk("w2-1", 1, 4011, true)
                .lost("w2-1", 1, 5500).rel("w2-1", 1, 5600)
                .fault(2, "worker-partition", "w2-1", 4100, 9100, 9200, true)
                .check();
        assertEquals(50, result.kind("worker-pause").lostDelay().max() / 1000);
        assertEquals(1400, result.kind("worker-partition").lostDelay().max() / 1000);
    }

    @Test
    void grantsThatDoNotResumeAfterHealingAreCaught() {
        CheckResult result = new H().fault(1, "zk-quorum-loss", "zk1 + zk2", 0, 3000, 63_000, false).check();
        assertEquals(1, result.count(Violation.Kind.NO_PROGRESS));
    }

    @Test
    void aLeaseHandedOutAlreadyLostIsReportedButIsNoSafetyViolation() {
        CheckResult result = new H()
                .line("ACQ", "w1-1", "a", "1", 0, 2800, "-1", 2810, "IllegalStateException: lost (LEASE_EXPIRED)")
                .check();
        assertEquals(1, result.count(Violation.Kind.LEASE_ALREADY_LOST));
        assertTrue(result.violations().isEmpty());
    }

    @Test
    void notesOfBypassedProxiesAndLoggedErrorsAreReportedApart() {
        CheckResult result = new H()
                .line("NOTE", "nemesis", 10, "proxy-bypass", "w1-1 had no connection through its proxies")
                .line("NOTE", "w2-1", 20, "worker-log-error", "[main-EventThread] ERROR ... Client is not started")
                .check();
        assertEquals(1, result.count(Violation.Kind.PROXY_BYPASS));
        assertEquals(1, result.count(Violation.Kind.WORKER_LOG_ERROR));
        assertTrue(result.violations().isEmpty());
    }

    @Test
    void aRunThatStoppedEarlyIsAViolation() {
        CheckResult result = new H().line("NOTE", "nemesis", 10, "nemesis-error", "zk-quorum-loss: timed out").check();
        assertEquals(1, result.count(Violation.Kind.NEMESIS_ERROR));
    }

    @Test
    void theValidityWatchEndsABeliefBeforeTheCallbackDoes() {
        // isValid() turned false at 1800 ms; lost() reached the callback thread only at 2300 ms.
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .line("INV", "w1-1", "1", 1800)
                .acq("w2-1", "a", 1, 1000, 2000, 9)
                .lost("w1-1", 1, 2300).rel("w1-1", 1, 2400).rel("w2-1", 1, 3000)
                .check();
        assertTrue(result.findings().isEmpty(), result.findings().toString());
    }

    @Test
    void anOverlapWhileTheOlderHolderClosesItsClientIsReportedApart() {
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .line("CLOSE", "w1-1", "1", 100)
                .acq("w2-1", "a", 1, 50, 110, 9)
                .lost("w1-1", 1, 118).line("INV", "w1-1", "1", 119).rel("w1-1", 1, 200).rel("w2-1", 1, 300)
                .check();
        assertEquals(1, result.count(Violation.Kind.OVERLAP_WHILE_CLOSING));
        assertTrue(result.violations().isEmpty(), result.findings().toString());
    }

    @Test
    void aTrueCalledBeforeThePauseButStampedAfterItIsNoStaleBelief() {
        // isValid() was called at 19 ms, then the pause; the answer was sent after resuming.
        CheckResult result = new H()
                .acq("w1-1", "a", 1, 0, 10, 5).chk("w1-1", 1, 11, true)
                .line("STALL", "w1-1", 20, 3020)
                .acq("w2-1", "a", 1, 100, 2100, 9)
                .line("CHK", "w1-1", "1", 3021, "1", 19)
                .write("w1-1", 1, "a", 5, 3022, false).chk("w1-1", 1, 3023, false).lost("w1-1", 1, 3024)
                .rel("w2-1", 1, 4000)
                .check();
        assertEquals(0, result.count(Violation.Kind.STALE_BELIEF_AFTER_PAUSE));
        assertEquals(1, result.count(Violation.Kind.PAUSE_OVERLAP));
    }
}
