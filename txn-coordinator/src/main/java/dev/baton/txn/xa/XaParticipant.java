package dev.baton.txn.xa;

import dev.baton.txn.Vote;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.participant.BranchId;
import dev.baton.txn.participant.HeuristicOutcomeException;
import dev.baton.txn.participant.Participant;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Heuristics. When a commit or rollback fails because the branch is no longer prepared
 * ({@code XAER_NOTA}, PostgreSQL's SQLState 42704, or a broken connection after which the branch
 * is no longer in {@code recover()}), the participant finds out how it ended rather than assuming
 * it. On PostgreSQL it remembers each branch's local transaction id (read with
 * {@code txid_current()} before the prepare, or from {@code pg_prepared_xacts} at recovery) and
 * asks {@code txid_status}: an ending contrary to the decision is a
 * {@link HeuristicOutcomeException}. Without that answer (other databases, or a transaction
 * PostgreSQL no longer remembers): a rollback is done; a commit is presumed done if this process
 * sent it before (its reply was lost) or did not prepare the branch itself (recovery, as XA
 * transaction managers presume); a branch prepared here, never committed by us and yet gone is a
 * {@link HeuristicOutcomeException} with an unknown ending.
 *
 * <p>Thread safety: safe for concurrent branches; it keeps idle XA connections for reuse (up to
 * {@link #DEFAULT_MAX_IDLE}, or the constructor's {@code maxIdle}). {@link #close()} closes them.
 */
public final class XaParticipant implements Participant, AutoCloseable {

    /** The XA format id of Baton's branches: "BTN1". */
    public static final int FORMAT_ID = 0x42544e31;

    private static final Logger LOG = LoggerFactory.getLogger(XaParticipant.class);
    /** Idle connections kept by default: four times the host's default threads, as {@code XaTransactions} keeps. */
    public static final int DEFAULT_MAX_IDLE = 16;
    private static final long FORGET_AFTER_NANOS = java.util.concurrent.TimeUnit.MINUTES.toNanos(10);

    private final XaWork work;
    private final XaConnectionPool pool;
    /** What this process knows of branches it prepared or found prepared, until they are finished. */
    private final ConcurrentMap<Xid, Known> known = new ConcurrentHashMap<>();
    /** Whether the database is PostgreSQL; null until the first connection tells. */
    private volatile @Nullable Boolean postgres;

    /** What this process knows of one branch. */
    private static final class Known {
        final long since = System.nanoTime();
        /** The database's own transaction id (PostgreSQL, 64-bit with epoch), or -1. */
        volatile long localTxid = -1;
        volatile boolean preparedHere;
        volatile boolean finishSent;
    }

    /**
     * A participant that runs {@code work} for each branch on connections from {@code dataSource},
     * keeping up to {@link #DEFAULT_MAX_IDLE} idle connections for reuse.
     *
     * @throws NullPointerException if an argument is null
     */
    public XaParticipant(XADataSource dataSource, XaWork work) {
        this(dataSource, work, DEFAULT_MAX_IDLE);
    }

    /**
     * A participant that runs {@code work} for each branch on connections from {@code dataSource},
     * keeping up to {@code maxIdle} idle connections for reuse. A branch holds a connection while
     * it prepares and again while it commits or aborts, so a host with more threads than
     * {@code maxIdle} opens a new physical connection whenever more branches than that are busy
     * at once: give at least the host's {@code threads}. {@code 0} opens one per call (for a
     * {@code dataSource} that pools its own).
     *
     * @throws NullPointerException if {@code dataSource} or {@code work} is null
     * @throws IllegalArgumentException if {@code maxIdle} is negative
     */
    public XaParticipant(XADataSource dataSource, XaWork work, int maxIdle) {
        Objects.requireNonNull(dataSource, "dataSource");
        this.work = Objects.requireNonNull(work, "work");
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle must not be negative: " + maxIdle);
        }
        this.pool = new XaConnectionPool(dataSource, maxIdle);
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
            long localTxid;
            try {
                vote = work.perform(sql, branch);
                localTxid = vote != null && vote.isYes() && isPostgres(sql) ? currentTxid(sql) : -1;
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
            Known branchKnown = known.computeIfAbsent(xid, x -> new Known());
            branchKnown.localTxid = localTxid;
            branchKnown.preparedHere = true;
            reusable = true;
            return Vote.yes();
        } finally {
            release(connection, reusable);
        }
    }

    /**
     * Commits the prepared branch ({@code COMMIT PREPARED}); done if it is no longer prepared
     * because it was committed (see the class comment for how that is established).
     *
     * @throws HeuristicOutcomeException if the branch is no longer prepared and was rolled back,
     *     or prepared here and ended unseen
     */
    @Override
    public void commit(Branch branch) throws SQLException, XAException, HeuristicOutcomeException {
        finish(branch, true);
    }

    /**
     * Rolls the branch back ({@code ROLLBACK PREPARED}); done if it is not prepared (never was, or
     * already rolled back).
     *
     * @throws HeuristicOutcomeException if the branch is no longer prepared and PostgreSQL says it committed
     */
    @Override
    public void abort(Branch branch) throws SQLException, XAException, HeuristicOutcomeException {
        finish(branch, false);
    }

    /**
     * The attempts of {@code participant} prepared in the database: {@code XAResource.recover()}.
     * On PostgreSQL, also notes each one's local transaction id, to tell later how it ended.
     */
    @Override
    public Set<BranchId> inDoubt(String participant) throws SQLException, XAException {
        String prefix = participant + ":";
        Set<BranchId> prepared = new HashSet<>();
        XAConnection connection = borrow();
        boolean reusable = false;
        try {
            Map<String, Long> localTxids = isPostgres(connection.getConnection())
                    ? preparedTxids(connection.getConnection()) : Map.of();
            Set<Xid> preparedXids = new HashSet<>();
            for (Xid xid : connection.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
                String qualifier = new String(xid.getBranchQualifier(), StandardCharsets.UTF_8);
                if (xid.getFormatId() == FORMAT_ID && qualifier.startsWith(prefix)) {
                    prepared.add(new BranchId(new String(xid.getGlobalTransactionId(), StandardCharsets.UTF_8),
                            qualifier.substring(prefix.length())));
                    Xid ours = new ValueXid(FORMAT_ID, xid.getGlobalTransactionId(), xid.getBranchQualifier());
                    preparedXids.add(ours);
                    Long localTxid = localTxids.get(gid(xid));
                    if (localTxid != null) {
                        known.computeIfAbsent(ours, x -> new Known()).localTxid = localTxid;
                    }
                }
            }
            // Forget what is known of branches of this participant that have not been prepared for
            // a long while (finished by another instance, or by hand): nothing else would, and the
            // map would grow. Not at once: a branch finished by hand is judged when we finish it.
            long stale = System.nanoTime() - FORGET_AFTER_NANOS;
            known.entrySet().removeIf(entry -> entry.getValue().since - stale < 0
                    && !preparedXids.contains(entry.getKey())
                    && new String(entry.getKey().getBranchQualifier(), StandardCharsets.UTF_8).startsWith(prefix));
            reusable = true;
            return prepared;
        } finally {
            release(connection, reusable);
        }
    }

    /** Closes the idle connections. Branches stay as they are in the database. Idempotent. */
    @Override
    public void close() {
        pool.close();
    }

    private void finish(Branch branch, boolean commit) throws SQLException, XAException, HeuristicOutcomeException {
        Xid xid = xid(branch);
        Known branchKnown = known.computeIfAbsent(xid, x -> new Known());
        boolean sentBefore = branchKnown.finishSent;
        branchKnown.finishSent = true;
        XAException failure;
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
                reusable = true;
                known.remove(xid);
                return;
            } catch (XAException e) {
                if (!XaEnding.mayBeFinished(e)) {
                    throw e;
                }
                failure = e;
                reusable = XaEnding.isNotPrepared(failure);
            }
        } finally {
            release(connection, reusable);
        }
        if (inDoubt(branch.participant()).contains(branch.id())) {
            throw failure;
        }
        XaEnding.Found found = howEnded(branchKnown);
        XaEnding.Verdict verdict = XaEnding.classify(commit, found, sentBefore, branchKnown.preparedHere);
        known.remove(xid);
        String what = (commit ? "commit" : "rollback") + " of " + gid(xid) + " (" + branch.txnId()
                + ", attempt " + branch.attempt() + ")";
        switch (verdict) {
            case DONE:
                LOG.debug("{}: the branch is no longer prepared; the database says it ended {}", what, found);
                return;
            case PRESUMED_DONE:
                LOG.info("{}: the branch is no longer prepared and the database cannot say how it ended; taken as"
                        + " committed by an earlier commit whose reply was lost ({})", what, failure.toString());
                return;
            case HEURISTIC_COMMITTED:
                throw new HeuristicOutcomeException(HeuristicOutcomeException.Ending.COMMITTED, "the branch of "
                        + branch.participant() + " was committed outside the protocol, but the decision is ABORT");
            case HEURISTIC_ROLLED_BACK:
                throw new HeuristicOutcomeException(HeuristicOutcomeException.Ending.ROLLED_BACK, "the branch of "
                        + branch.participant() + " was rolled back outside the protocol, but the decision is COMMIT");
            default:
                throw new HeuristicOutcomeException(HeuristicOutcomeException.Ending.UNKNOWN, "the branch of "
                        + branch.participant() + " was prepared here, never committed by Baton, and is no longer"
                        + " prepared: it was finished outside the protocol, and the database cannot say how ("
                        + failure + ")");
        }
    }

    /** How the branch's local transaction ended, if the database can say. */
    private XaEnding.Found howEnded(Known branchKnown) {
        if (branchKnown.localTxid < 0 || !Boolean.TRUE.equals(postgres)) {
            return XaEnding.Found.UNKNOWN;
        }
        XAConnection connection = null;
        boolean reusable = false;
        try {
            connection = borrow();
            try (PreparedStatement statement = connection.getConnection().prepareStatement("SELECT txid_status(?)")) {
                statement.setLong(1, branchKnown.localTxid);
                try (ResultSet result = statement.executeQuery()) {
                    String status = result.next() ? result.getString(1) : null;
                    reusable = true;
                    if ("committed".equals(status)) {
                        return XaEnding.Found.COMMITTED;
                    }
                    return "aborted".equals(status) ? XaEnding.Found.ABORTED : XaEnding.Found.UNKNOWN;
                }
            }
        } catch (SQLException e) {
            LOG.debug("cannot ask PostgreSQL how transaction {} ended", branchKnown.localTxid, e);
            return XaEnding.Found.UNKNOWN;
        } finally {
            if (connection != null) {
                release(connection, reusable);
            }
        }
    }

    private boolean isPostgres(Connection sql) throws SQLException {
        Boolean known = postgres;
        if (known == null) {
            known = "PostgreSQL".equals(sql.getMetaData().getDatabaseProductName());
            postgres = known;
        }
        return known;
    }

    /** The current transaction's id, 64 bits with its epoch: what {@code txid_status} takes. */
    private static long currentTxid(Connection sql) throws SQLException {
        try (Statement statement = sql.createStatement(); ResultSet result = statement.executeQuery("SELECT txid_current()")) {
            result.next();
            return result.getLong(1);
        }
    }

    /**
     * The local transaction ids of the prepared transactions of this database, by gid: the 32-bit
     * xids of {@code pg_prepared_xacts} extended with the epoch (a prepared transaction is younger
     * than one xid wrap-around).
     */
    private static Map<String, Long> preparedTxids(Connection sql) throws SQLException {
        Map<String, Long> txids = new HashMap<>();
        try (Statement statement = sql.createStatement();
                ResultSet result = statement.executeQuery("SELECT gid, transaction::text::bigint, txid_current()"
                        + " FROM pg_prepared_xacts WHERE database = current_database()")) {
            while (result.next()) {
                long xid = result.getLong(2);
                long now = result.getLong(3);
                long full = (now & ~0xffff_ffffL) | xid;
                txids.put(result.getString(1), full > now ? full - (1L << 32) : full);
            }
        }
        return txids;
    }

    /** The gid PostgreSQL's driver gives an Xid: {@code formatId_base64(global)_base64(qualifier)}. */
    private static String gid(Xid xid) {
        return xid.getFormatId() + "_" + Base64.getEncoder().encodeToString(xid.getGlobalTransactionId()) + "_"
                + Base64.getEncoder().encodeToString(xid.getBranchQualifier());
    }

    /**
     * The Xid of a branch attempt: global id = the transaction id, branch qualifier =
     * {@code participant:attempt}, format {@link #FORMAT_ID}. What {@code recover()} lists, and
     * what an operator finishing a branch by hand needs.
     */
    public static Xid xid(Branch branch) {
        return new ValueXid(FORMAT_ID, branch.txnId().getBytes(StandardCharsets.UTF_8),
                (branch.participant() + ":" + branch.attempt()).getBytes(StandardCharsets.UTF_8));
    }

    private XAConnection borrow() throws SQLException {
        return pool.borrow();
    }

    private void release(XAConnection connection, boolean reusable) {
        pool.release(connection, reusable);
    }
}
