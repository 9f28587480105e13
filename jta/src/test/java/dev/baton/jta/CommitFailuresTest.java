package dev.baton.jta;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;
import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.HeuristicRollbackException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What commit() throws for each outcome XaTransaction.commit() can answer, and the phase it ends in. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CommitFailuresTest {

    private static final String TXN = "tx-0190f0a1b2c3-0123456789abcdef";

    private static Outcome outcome(TransactionState state, String reason, Map<String, String> heuristics) {
        return new Outcome(TXN, state, reason, List.of("a", "b"), Map.of("a", Vote.yes(), "b", Vote.yes()), null,
                heuristics);
    }

    @Test
    void aCleanCommitThrowsNothing() {
        Outcome committed = outcome(TransactionState.COMMITTED, "all 2 resources prepared", Map.of());
        assertThat(CommitFailures.of(committed)).isNull();
        assertThat(CommitFailures.phase(committed, null)).isEqualTo(TransactionPhase.COMMITTED);
    }

    @Test
    void anAbortIsARollbackExceptionWithTheReason() {
        Outcome aborted = outcome(TransactionState.ABORTED, "resource 'b' refused to prepare: XA_RB", Map.of());
        Exception failure = CommitFailures.of(aborted);
        assertThat(failure).isInstanceOf(RollbackException.class)
                .hasMessage("transaction " + TXN + " rolled back: resource 'b' refused to prepare: XA_RB");
        assertThat(CommitFailures.phase(aborted, failure)).isEqualTo(TransactionPhase.ROLLED_BACK);
    }

    @Test
    void heuristicsAgainstTheDecisionAreMixedUnlessEveryResourceRolledBack() {
        Outcome oneRolledBack = outcome(TransactionState.COMMITTED, "all 2 resources prepared",
                Map.of("b", "XA_HEURRB (rolled back on its own)"));
        Exception mixed = CommitFailures.of(oneRolledBack);
        assertThat(mixed).isInstanceOf(HeuristicMixedException.class).hasMessageContaining("XA_HEURRB");
        assertThat(CommitFailures.phase(oneRolledBack, mixed)).isEqualTo(TransactionPhase.COMMITTED);

        Outcome gone = outcome(TransactionState.COMMITTED, "all 2 resources prepared",
                Map.of("a", "the branch was no longer prepared at commit (ended outside Baton?)"));
        assertThat(CommitFailures.of(gone)).isInstanceOf(HeuristicMixedException.class);

        Outcome allRolledBack = outcome(TransactionState.COMMITTED, "all 2 resources prepared",
                Map.of("a", "XA_HEURRB (rolled back on its own)", "b", "XA_HEURRB (rolled back on its own)"));
        Exception rolledBack = CommitFailures.of(allRolledBack);
        assertThat(rolledBack).isInstanceOf(HeuristicRollbackException.class);
        assertThat(CommitFailures.phase(allRolledBack, rolledBack)).isEqualTo(TransactionPhase.ROLLED_BACK);
    }

    @Test
    void aResourceThatCommittedOnItsOwnAgreesWithTheDecision() {
        Outcome agreed = outcome(TransactionState.COMMITTED, "all 2 resources prepared",
                Map.of("a", "XA_HEURCOM (committed on its own)"));
        assertThat(CommitFailures.of(agreed)).isNull();
    }

    @Test
    void anUnknownOutcomeIsASystemExceptionThatSaysRecoveryWillFinishIt() {
        OutcomeUnknownException lost = new OutcomeUnknownException(TXN, "the reply to its COMMIT decision was lost");
        SystemException twoPhase = CommitFailures.unknown(TXN, false, lost);
        assertThat(twoPhase).hasCause(lost).hasMessageContaining(TXN).hasMessageContaining("still atomic")
                .hasMessageContaining("recovery will finish it").hasMessageContaining("reply to its COMMIT decision");
        SystemException onePhase = CommitFailures.unknown(TXN, true, lost);
        assertThat(onePhase).hasMessageContaining("one-phase").hasMessageContaining("nothing is left in doubt");
    }
}
