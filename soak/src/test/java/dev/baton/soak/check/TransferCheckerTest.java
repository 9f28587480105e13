package dev.baton.soak.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The 2PC checker on hand-written histories: each class of finding, and a clean history with none. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TransferCheckerTest {

    /** A transfer history under construction: two banks of 2000 each; times in ms, written as µs. */
    private static final class H {
        final List<String> lines = new ArrayList<>(List.of("RUN\tbackend\txa", "RUN\topeningTotal\t4000"));
        long balanceA = 2000;
        long balanceB = 2000;
        boolean finished;

        H line(Object... fields) {
            StringBuilder b = new StringBuilder();
            for (Object f : fields) {
                b.append(b.length() == 0 ? "" : "\t").append(f instanceof Integer i ? Long.toString(i * 1000L) : f);
            }
            lines.add(b.toString());
            return this;
        }

        /** A transfer of 10 from bank_a to bank_b, begun at {@code t}, told {@code outcome} at t + 5. */
        H transfer(String txnId, int t, String outcome) {
            line("TXB", "w1-1", txnId, t, "bank_a:1", "bank_b:2", "10");
            return line("TXO", "w1-1", txnId, t + 1, t + 5, outcome, "why");
        }

        /** The transfer's rows, as the final state shows them. */
        H rows(String txnId, boolean inA, boolean inB) {
            if (inA) {
                line("ROW", "bank_a", txnId, "1", "-10");
                balanceA -= 10;
            }
            if (inB) {
                line("ROW", "bank_b", txnId, "2", "10");
                balanceB += 10;
            }
            return this;
        }

        H end() {
            line("END", "recovery", 100, 101, "1");
            line("END", "balance", "bank_a", String.valueOf(balanceA), "2");
            line("END", "balance", "bank_b", String.valueOf(balanceB), "2");
            finished = true;
            return line("END", "done");
        }

        CheckResult check() {
            return TransferChecker.check(lines);
        }
    }

    private static H phase(H h) {
        return h.line("FAULT", "1", "coordinator-kill", "w2-1", 10, 11, 20, "1")
                .line("INDOUBT", "1", "coordinator-kill", "1", 10, 14)
                .line("PHASE", "coordinator-kill", 5, 50);
    }

    @Test
    void aCleanHistoryHasNoFindingsAndItsFigures() {
        H h = phase(new H().transfer("tx-1", 6, "COMMITTED").transfer("tx-2", 12, "ABORTED")
                .line("TXB", "w2-1", "tx-3", 9, "bank_b:1", "bank_a:1", "5") // killed: never told
                .transfer("tx-4", 20, "COMMITTED"))
                .rows("tx-1", true, true).rows("tx-4", true, true).end();
        CheckResult check = h.check();
        assertTrue(check.findings().isEmpty(), check.findings().toString());
        TransferStats kill = check.transfers().get("coordinator-kill");
        assertEquals(1, kill.injections());
        assertEquals(4, kill.begun());
        assertEquals(2, kill.committed());
        assertEquals(1, kill.aborted());
        assertEquals(1, kill.cutOff());
        assertEquals(1, kill.faultsWithInDoubt());
        assertEquals(4000, kill.inDoubtResolution().max());
        assertEquals(4000, kill.commitLatency().max());
        assertEquals(14_000, kill.drain().max(), "from the heal (11 ms) to the next commit (25 ms)");
    }

    @Test
    void aTransferOnOneSideOnlyIsCaughtAndMoneyWithIt() {
        CheckResult check = new H().transfer("tx-1", 6, "COMMITTED").rows("tx-1", true, false).end().check();
        assertEquals(1, check.count(Violation.Kind.ONE_SIDED));
        assertEquals(1, check.count(Violation.Kind.MONEY_NOT_CONSERVED));
        assertEquals(1, check.count(Violation.Kind.OUTCOME_MISMATCH));
    }

    @Test
    void anAbortToldForATransferCommittedInBothBanksIsCaughtByItsOwnClass() {
        CheckResult check = new H().transfer("tx-1", 6, "ABORTED").rows("tx-1", true, true).end().check();
        assertEquals(List.of(Violation.Kind.ABORTED_BUT_COMMITTED),
                check.violations().stream().map(Violation::kind).toList());
    }

    @Test
    void anAbortToldForATransferInOneBankIsAnOutcomeMismatchAndOneSided() {
        CheckResult check = new H().transfer("tx-1", 6, "ABORTED").rows("tx-1", false, true).end().check();
        assertEquals(1, check.count(Violation.Kind.OUTCOME_MISMATCH));
        assertEquals(1, check.count(Violation.Kind.ONE_SIDED));
    }

    @Test
    void anUnknownOutcomeIsReportedWithHowItEndedButIsNoViolation() {
        CheckResult check = new H().transfer("tx-1", 6, "UNKNOWN").rows("tx-1", true, true).end().check();
        assertTrue(check.violations().isEmpty(), check.violations().toString());
        assertEquals(1, check.count(Violation.Kind.OUTCOME_UNKNOWN));
        assertTrue(check.findings().get(0).detail().contains("committed in [bank_a, bank_b]"));
    }

    @Test
    void whatIsLeftPreparedOrDecidedAfterRecoveryIsCaught() {
        H h = new H().transfer("tx-1", 6, "COMMITTED").rows("tx-1", true, true);
        h.line("END", "prepared-left", "bank_b soak-self-test-left-behind").line("END", "decision-left", "tx-9");
        CheckResult check = h.end().check();
        assertEquals(1, check.count(Violation.Kind.PREPARED_LEFT));
        assertEquals(1, check.count(Violation.Kind.DECISION_LEFT));
    }

    @Test
    void aBalanceThatDisagreesWithItsRowsIsCaught() {
        H h = new H().line("END", "ledger-mismatch", "bank_a", "3", "990", "0");
        h.balanceA -= 10;
        CheckResult check = h.end().check();
        assertEquals(1, check.count(Violation.Kind.LEDGER_MISMATCH));
        assertEquals(1, check.count(Violation.Kind.MONEY_NOT_CONSERVED));
    }

    @Test
    void aRunWithoutItsFinalStateCannotPass() {
        CheckResult check = new H().transfer("tx-1", 6, "COMMITTED").check();
        assertEquals(List.of(Violation.Kind.FINAL_STATE_MISSING), check.violations().stream().map(Violation::kind).toList());
    }

    @Test
    void commitsThatDoNotResumeAfterAFaultAreNoProgress() {
        H h = new H().line("FAULT", "1", "zk-leader-kill", "zk1 (leader)", 10, 11, 80, "0")
                .line("PHASE", "zk-leader-kill", 5, 90);
        CheckResult check = h.end().check();
        assertEquals(1, check.count(Violation.Kind.NO_PROGRESS));
        assertEquals(1, check.transfers().get("zk-leader-kill").count(Violation.Kind.NO_PROGRESS));
    }
}
