package dev.baton.txn.xa;

import java.sql.SQLException;
import javax.transaction.xa.XAException;
import org.jspecify.annotations.Nullable;

/**
 * What {@link XaParticipant} concludes when a branch it was asked to commit or roll back turns out
 * not to be prepared any more: a pure function of what it knows, so each case is tested without a
 * database.
 */
final class XaEnding {

    /** How the database says the branch's local transaction ended. */
    enum Found {
        COMMITTED, ABORTED,
        /** Not known: not PostgreSQL, the transaction id was never learnt, or the database forgot it. */
        UNKNOWN
    }

    /** What to do. */
    enum Verdict {
        /** The branch ended as decided: report success. */
        DONE,
        /** Presumed to have ended as decided (an earlier commit of ours, whose reply was lost): report success. */
        PRESUMED_DONE,
        HEURISTIC_COMMITTED,
        HEURISTIC_ROLLED_BACK,
        HEURISTIC_UNKNOWN
    }

    private XaEnding() {
    }

    /**
     * @param commit whether the decision was COMMIT
     * @param found how the database says the branch ended
     * @param sentBefore whether this process sent the same commit or rollback before (a retry:
     *     the earlier one may have done it and lost its reply)
     * @param preparedHere whether this process prepared the branch (rather than finding it at
     *     recovery, prepared by a process that may have sent the commit before it crashed)
     */
    static Verdict classify(boolean commit, Found found, boolean sentBefore, boolean preparedHere) {
        if (found == Found.COMMITTED) {
            return commit ? Verdict.DONE : Verdict.HEURISTIC_COMMITTED;
        }
        if (found == Found.ABORTED) {
            return commit ? Verdict.HEURISTIC_ROLLED_BACK : Verdict.DONE;
        }
        if (!commit) {
            // Nothing prepared to roll back: it never was (a NO vote, an empty rollback), or a
            // rollback already ran. Nothing the protocol does commits a branch decided ABORT.
            return Verdict.DONE;
        }
        if (sentBefore || !preparedHere) {
            // Our own earlier commit (or that of the crashed process that prepared it, or of
            // another instance applying the same decision) took it: the presumption XA recovery
            // makes. Only an operator could have rolled it back instead, and that cannot be seen.
            return Verdict.PRESUMED_DONE;
        }
        // Prepared here and never committed by us, yet gone: finished outside the protocol.
        return Verdict.HEURISTIC_UNKNOWN;
    }

    /** Whether a failed commit or rollback may mean the branch is already finished (or the call's fate is unknown). */
    static boolean mayBeFinished(XAException e) {
        return isNotPrepared(e) || e.errorCode == XAException.XAER_RMFAIL || isConnectionFault(e);
    }

    /** The resource does not know the branch: XAER_NOTA, or PostgreSQL's "prepared transaction does not exist". */
    static boolean isNotPrepared(XAException e) {
        return e.errorCode == XAException.XAER_NOTA || "42704".equals(sqlState(e));
    }

    private static boolean isConnectionFault(XAException e) {
        String state = sqlState(e);
        return state != null && state.startsWith("08");
    }

    private static @Nullable String sqlState(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException && ((SQLException) t).getSQLState() != null) {
                return ((SQLException) t).getSQLState();
            }
        }
        return null;
    }
}
