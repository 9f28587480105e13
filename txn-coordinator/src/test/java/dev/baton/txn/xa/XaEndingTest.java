package dev.baton.txn.xa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.txn.xa.XaEnding.Found;
import dev.baton.txn.xa.XaEnding.Verdict;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What XaParticipant concludes of a branch that is no longer prepared: every case, no database. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class XaEndingTest {

    @Test
    void whatTheDatabaseSaysDecides() {
        for (boolean sentBefore : new boolean[] {false, true}) {
            for (boolean preparedHere : new boolean[] {false, true}) {
                assertThat(XaEnding.classify(true, Found.COMMITTED, sentBefore, preparedHere)).isEqualTo(Verdict.DONE);
                assertThat(XaEnding.classify(false, Found.ABORTED, sentBefore, preparedHere)).isEqualTo(Verdict.DONE);
                assertThat(XaEnding.classify(true, Found.ABORTED, sentBefore, preparedHere))
                        .isEqualTo(Verdict.HEURISTIC_ROLLED_BACK);
                assertThat(XaEnding.classify(false, Found.COMMITTED, sentBefore, preparedHere))
                        .isEqualTo(Verdict.HEURISTIC_COMMITTED);
            }
        }
    }

    @Test
    void withoutAnAnswerARollbackIsDoneAndACommitIsPresumedOnlyWhereSomeoneMayHaveSentIt() {
        assertThat(XaEnding.classify(false, Found.UNKNOWN, false, true)).as("empty rollback").isEqualTo(Verdict.DONE);
        assertThat(XaEnding.classify(true, Found.UNKNOWN, true, true)).as("our commit, reply lost")
                .isEqualTo(Verdict.PRESUMED_DONE);
        assertThat(XaEnding.classify(true, Found.UNKNOWN, false, false)).as("recovered: the crashed process's commit")
                .isEqualTo(Verdict.PRESUMED_DONE);
        assertThat(XaEnding.classify(true, Found.UNKNOWN, false, true)).as("prepared here, never committed by us")
                .isEqualTo(Verdict.HEURISTIC_UNKNOWN);
    }

    @Test
    void notPreparedIsTheXaCodeOrPostgresSqlState() {
        assertThat(XaEnding.isNotPrepared(new XAException(XAException.XAER_NOTA))).isTrue();
        XAException wrapped = new XAException(XAException.XAER_RMERR);
        wrapped.initCause(new SQLException("prepared transaction with identifier \"x\" does not exist", "42704"));
        assertThat(XaEnding.isNotPrepared(wrapped)).isTrue();
        assertThat(XaEnding.mayBeFinished(wrapped)).isTrue();
        XAException broken = new XAException(XAException.XAER_RMERR);
        broken.initCause(new SQLException("An I/O error occurred", "08006"));
        assertThat(XaEnding.isNotPrepared(broken)).isFalse();
        assertThat(XaEnding.mayBeFinished(broken)).as("a broken connection: look before assuming").isTrue();
        assertThat(XaEnding.mayBeFinished(new XAException(XAException.XAER_RMFAIL))).isTrue();
        assertThat(XaEnding.mayBeFinished(new XAException(XAException.XAER_PROTO))).isFalse();
    }
}
