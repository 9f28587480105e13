package dev.baton.txn.xa;

import dev.baton.txn.Vote;
import dev.baton.txn.participant.Branch;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * A branch's work on a database, for {@link XaParticipant}: it runs inside the branch's XA
 * transaction, before the prepare.
 *
 * <p>Must not commit, roll back or change the connection's auto-commit mode (the XA transaction
 * owns them), nor close the connection.
 */
@FunctionalInterface
public interface XaWork {

    /**
     * Does the work described by {@code branch}'s payload on {@code connection}.
     *
     * @return {@link Vote#yes()} to prepare the work, or {@link Vote#no(String)} to roll it back and
     *     abort the transaction (for instance: insufficient funds)
     * @throws SQLException if the work failed; the branch is rolled back and votes NO
     */
    Vote perform(Connection connection, Branch branch) throws SQLException;
}
