package dev.baton.soak;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.check.Violation;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The soak must be able to fail: with the resource, the lock, {@code lost()} or 2PC broken on purpose,
 * real runs (one {@code redis-server}, three worker JVMs, paused holders) must report violations.
 */
@Tag("slow") // real servers and worker JVMs: left out by -Pfast
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SelfTestSoakTest {

    /**
     * One lock, so that the two other workers are always waiting on the lock the paused holder has:
     * one is granted it when the lease expires (at most the 2 s horizon into the 3 s pause) and
     * writes 100 ms later, before the holder resumes and sends its late write. With two locks the
     * others could be busy with the other lock's 2 s sections, take over only as the holder
     * resumed, and write after it, so that nothing stale was accepted (CI saw both pauses of a run
     * go that way).
     */
    @Test
    void aResourceThatAcceptsStaleTokensIsCaught() {
        CheckResult check = SoakRuns.run("redis", "self-test-resource", SoakOptions.SelfTest.RESOURCE, 2,
                options -> options.withLocks(1), FaultKind.WORKER_PAUSE).check();
        assertTrue(check.count(Violation.Kind.STALE_WRITE_ACCEPTED) > 0, check.findings().toString());
    }

    @Test
    void aLockThatGrantsTwiceIsCaught() {
        CheckResult check = SoakRuns.run("redis", "self-test-lock", SoakOptions.SelfTest.LOCK, 2,
                FaultKind.WORKER_PAUSE).check();
        assertTrue(check.count(Violation.Kind.TOKEN_ORDER) > 0, check.findings().toString());
    }

    @Test
    void leasesNeverToldTheyWereLostAreCaught() {
        CheckResult check = SoakRuns.run("redis", "self-test-lost", SoakOptions.SelfTest.LOST, 2,
                FaultKind.WORKER_PAUSE).check();
        assertTrue(check.count(Violation.Kind.LOST_MISSING) > 0, check.findings().toString());
    }

    /**
     * 2PC broken on purpose: workers commit some transfers on one bank only and call them
     * committed, call some commits aborts, and leave a foreign transaction prepared.
     */
    @Test
    void oneSidedTransfersLiesAndLeftoversAreCaught() {
        CheckResult check = SoakRuns.run(Soak.XA, "self-test-2pc", SoakOptions.SelfTest.TRANSFERS, 1,
                FaultKind.COORDINATOR_KILL).check();
        for (Violation.Kind kind : List.of(Violation.Kind.ONE_SIDED, Violation.Kind.MONEY_NOT_CONSERVED,
                Violation.Kind.OUTCOME_MISMATCH, Violation.Kind.ABORTED_BUT_COMMITTED, Violation.Kind.PREPARED_LEFT)) {
            assertTrue(check.count(kind) > 0, kind + " not reported: " + check.findings());
        }
    }
}
