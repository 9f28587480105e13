package dev.baton.jta;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.transaction.Status;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The phases of a JTA transaction: their moves and the JTA status each maps to. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TransactionPhaseTest {

    @Test
    void everyPhaseMapsToItsJtaStatusAndTheMarkOnlyChangesTheActiveOnes() {
        assertThat(TransactionPhase.ACTIVE.status(false)).isEqualTo(Status.STATUS_ACTIVE);
        assertThat(TransactionPhase.ACTIVE.status(true)).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        assertThat(TransactionPhase.BEFORE_COMPLETION.status(false)).isEqualTo(Status.STATUS_ACTIVE);
        assertThat(TransactionPhase.BEFORE_COMPLETION.status(true)).isEqualTo(Status.STATUS_MARKED_ROLLBACK);
        for (boolean marked : new boolean[] {false, true}) {
            assertThat(TransactionPhase.PREPARING.status(marked)).isEqualTo(Status.STATUS_PREPARING);
            assertThat(TransactionPhase.ROLLING_BACK.status(marked)).isEqualTo(Status.STATUS_ROLLING_BACK);
            assertThat(TransactionPhase.COMMITTED.status(marked)).isEqualTo(Status.STATUS_COMMITTED);
            assertThat(TransactionPhase.ROLLED_BACK.status(marked)).isEqualTo(Status.STATUS_ROLLEDBACK);
            assertThat(TransactionPhase.UNKNOWN.status(marked)).isEqualTo(Status.STATUS_UNKNOWN);
        }
    }

    @Test
    void theMovesFollowTheDiagramAndTheEndsAreTerminal() {
        assertThat(TransactionPhase.ACTIVE.next())
                .containsExactlyInAnyOrder(TransactionPhase.BEFORE_COMPLETION, TransactionPhase.ROLLING_BACK);
        assertThat(TransactionPhase.BEFORE_COMPLETION.next())
                .containsExactlyInAnyOrder(TransactionPhase.PREPARING, TransactionPhase.ROLLING_BACK);
        assertThat(TransactionPhase.PREPARING.next()).containsExactlyInAnyOrder(TransactionPhase.COMMITTED,
                TransactionPhase.ROLLED_BACK, TransactionPhase.UNKNOWN);
        assertThat(TransactionPhase.ROLLING_BACK.next()).containsExactly(TransactionPhase.ROLLED_BACK);
        for (TransactionPhase end : EnumSet.of(TransactionPhase.COMMITTED, TransactionPhase.ROLLED_BACK,
                TransactionPhase.UNKNOWN)) {
            assertThat(end.isTerminal()).isTrue();
            assertThat(end.next()).isEmpty();
            assertThat(end.acceptsWork()).isFalse();
        }
        assertThat(EnumSet.allOf(TransactionPhase.class)).filteredOn(TransactionPhase::acceptsWork)
                .containsExactlyInAnyOrder(TransactionPhase.ACTIVE, TransactionPhase.BEFORE_COMPLETION);
        assertThat(TransactionPhase.PREPARING.canMoveTo(TransactionPhase.ACTIVE)).isFalse();
    }

    @Test
    void everyJtaStatusHasAName() {
        assertThat(TransactionPhase.statusName(Status.STATUS_MARKED_ROLLBACK)).isEqualTo("MARKED_ROLLBACK");
        assertThat(TransactionPhase.statusName(Status.STATUS_NO_TRANSACTION)).isEqualTo("NO_TRANSACTION");
        assertThat(TransactionPhase.statusName(Status.STATUS_PREPARED)).isEqualTo("PREPARED");
        assertThat(TransactionPhase.statusName(Status.STATUS_COMMITTING)).isEqualTo("COMMITTING");
        assertThat(TransactionPhase.statusName(42)).isEqualTo("status 42");
    }
}
