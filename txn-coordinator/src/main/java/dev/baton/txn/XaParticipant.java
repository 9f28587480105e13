package dev.baton.txn;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A {@link Participant} over any XA-capable database ({@code PGXADataSource} for PostgreSQL, which
 * needs {@code max_prepared_transactions > 0}). Prepare runs an {@link XaWork} in an XA branch and
 * prepares it ({@code PREPARE TRANSACTION}); commit and abort finish the prepared branch from any
 * connection; {@link #inDoubt} is {@code XAResource.recover()}.
 *
 * <p>The XA branch's Xid is derived from the transaction id (global id) and the participant name
 * and attempt ({@code <participant>:<attempt>}, the branch qualifier), with format id
 * {@link #FORMAT_ID}: any process can finish it after a crash, and {@code recover()} tells which
 * attempts are prepared.
 *
 * <p>Heuristics: if commit (or rollback) fails and the branch is then no longer prepared in the
 * database, it is taken as already committed (or rolled back), which is what happens when a crash
 * came after the database finished and before the acknowledgement was written.
 *
 * <p>Thread safety: safe for concurrent branches; it keeps a few idle XA connections for reuse.
 * {@link #close()} closes them.
 */
public final class XaParticipant implements Participant, AutoCloseable {

    /** The XA format id of Baton's branches: "BTN1". */
    public static final int FORMAT_ID = 0x42544e31;

    private static final int MAX_IDLE = 8;

    private final XADataSource dataSource;
    private final XaWork work;
    private final Deque<XAConnection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * A participant that runs {@code work} for each branch on connections from {@code dataSource}.
     *
     * @throws NullPointerException if an argument is null
     */
    public XaParticipant(XADataSource dataSource, XaWork work) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.work = Objects.requireNonNull(work, "work");
    }

    /**
     * Runs the work in a new XA branch for this attempt and prepares it. A NO from the work or an
     * exception rolls the branch back.
     *
     * @throws SQLException if the work failed (the branch is rolled back)
     * @throws XAException if the XA protocol failed (the branch is rolled back)
     */
    @Override
    public Vote prepare(Branch branch) throws SQLException, XAException {
        Xid xid = xid(branch);
        XAConnection connection = borrow();
        boolean reusable = false;
        try {
            XAResource resource = connection.getXAResource();
            Connection sql = connection.getConnection();
            resource.start(xid, XAResource.TMNOFLAGS);
            Vote vote;
            try {
                vote = work.perform(sql, branch);
            } catch (SQLException | RuntimeException e) {
                resource.end(xid, XAResource.TMFAIL);
                resource.rollback(xid);
                reusable = true;
                throw e;
            }
            if (vote == null || !vote.isYes()) {
                resource.end(xid, XAResource.TMFAIL);
                resource.rollback(xid);
                reusable = true;
                return vote == null ? Vote.no("the XA work returned no vote") : vote;
            }
            resource.end(xid, XAResource.TMSUCCESS);
            resource.prepare(xid);
            reusable = true;
            return Vote.yes();
        } finally {
            release(connection, reusable);
        }
    }

    /** Commits the prepared branch ({@code COMMIT PREPARED}); done if it is no longer prepared. */
    @Override
    public void commit(Branch branch) throws SQLException, XAException {
        finish(branch, true);
    }

    /** Rolls the branch back ({@code ROLLBACK PREPARED}); done if it is not prepared (never was, or already rolled back). */
    @Override
    public void abort(Branch branch) throws SQLException, XAException {
        finish(branch, false);
    }

    /** The attempts of {@code participant} prepared in the database: {@code XAResource.recover()}. */
    @Override
    public Set<BranchId> inDoubt(String participant) throws SQLException, XAException {
        String prefix = participant + ":";
        Set<BranchId> prepared = new HashSet<>();
        XAConnection connection = borrow();
        boolean reusable = false;
        try {
            for (Xid xid : connection.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
                String qualifier = new String(xid.getBranchQualifier(), StandardCharsets.UTF_8);
                if (xid.getFormatId() == FORMAT_ID && qualifier.startsWith(prefix)) {
                    prepared.add(new BranchId(new String(xid.getGlobalTransactionId(), StandardCharsets.UTF_8),
                            qualifier.substring(prefix.length())));
                }
            }
            reusable = true;
            return prepared;
        } finally {
            release(connection, reusable);
        }
    }

    /** Closes the idle connections. Branches stay as they are in the database. Idempotent. */
    @Override
    public void close() {
        closed.set(true);
        for (XAConnection connection = idle.poll(); connection != null; connection = idle.poll()) {
            closeQuietly(connection);
        }
    }

    private void finish(Branch branch, boolean commit) throws SQLException, XAException {
        Xid xid = xid(branch);
        XAConnection connection = borrow();
        boolean reusable = false;
        try {
            XAResource resource = connection.getXAResource();
            try {
                if (commit) {
                    resource.commit(xid, false);
                } else {
                    resource.rollback(xid);
                }
            } catch (XAException e) {
                if (inDoubt(branch.participant()).contains(branch.id())) {
                    throw e;
                }
            }
            reusable = true;
        } finally {
            release(connection, reusable);
        }
    }

    /** The Xid of a branch attempt: global id = transaction id, qualifier = {@code participant:attempt}. */
    static Xid xid(Branch branch) {
        return new BranchXid(branch.txnId().getBytes(StandardCharsets.UTF_8),
                (branch.participant() + ":" + branch.attempt()).getBytes(StandardCharsets.UTF_8));
    }

    private XAConnection borrow() throws SQLException {
        XAConnection connection = idle.poll();
        return connection != null ? connection : dataSource.getXAConnection();
    }

    private void release(XAConnection connection, boolean reusable) {
        if (reusable && !closed.get() && idle.size() < MAX_IDLE) {
            idle.push(connection);
        } else {
            closeQuietly(connection);
        }
    }

    private static void closeQuietly(XAConnection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // a broken connection: nothing to recover from it
        }
    }

    /** An Xid compared by value, as the XA contract asks. */
    private static final class BranchXid implements Xid {
        private final byte[] global;
        private final byte[] branch;

        BranchXid(byte[] global, byte[] branch) {
            this.global = global;
            this.branch = branch;
        }

        @Override
        public int getFormatId() {
            return FORMAT_ID;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return global.clone();
        }

        @Override
        public byte[] getBranchQualifier() {
            return branch.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Xid && ((Xid) other).getFormatId() == FORMAT_ID
                    && Arrays.equals(((Xid) other).getGlobalTransactionId(), global)
                    && Arrays.equals(((Xid) other).getBranchQualifier(), branch);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(global) * 31 + Arrays.hashCode(branch);
        }
    }
}
