package dev.baton.txn.xa;

import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.TxnListener;
import dev.baton.txn.Vote;
import dev.baton.txn.internal.protocol.SafeListener;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.internal.store.XaDecision;
import dev.baton.txn.internal.store.XaStore;
import dev.baton.txn.internal.store.ZkErrors;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.zookeeper.KeeperException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transaction across XA resources this process holds, begun by {@link XaTransactions#begin}.
 * Work is done on {@link #connection(String)}s (or on XA resources the caller {@link #enlist}s);
 * {@link #commit()} runs two-phase commit with one ZooKeeper write on its path:
 *
 * <ol>
 *   <li>every branch is ended and prepared, in parallel (in turn when more transactions are
 *       committing than the machine has cores); a branch that refuses (or fails) rolls
 *       the transaction back, and nothing is written anywhere (presumed abort);
 *   <li>the COMMIT decision is created in ZooKeeper, in one {@code multi} with a check that this
 *       instance's session is still the one that began the transaction (with the decisions of
 *       other transactions that reached theirs while the previous such write was in flight). From here the transaction
 *       commits whatever happens: if this process dies, any instance with the same resources
 *       registered commits the prepared branches;
 *   <li>every branch is committed, in parallel as above, and {@code commit()} returns. The decision node is
 *       deleted later, in a batch with others.
 * </ol>
 *
 * <p>With one resource the branch is committed in one phase, with no write to ZooKeeper at all.
 * Read-only branches ({@code XA_RDONLY} at prepare) are not committed; if at most one branch is
 * left to commit, no decision is written either.
 *
 * <p>Not thread-safe: use it from one thread at a time, like a JDBC connection. Closing it rolls
 * it back unless it was committed or rolled back.
 */
public final class XaTransaction implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(XaTransaction.class);
    /** The owner named by a transaction begun while this instance had no ZooKeeper session: it can never commit. */
    static final String NO_OWNER = "0000000000000000-00000000";

    private enum BranchState { ACTIVE, SUSPENDED, ENDED, FAILED, PREPARED, READ_ONLY, COMMITTED, ROLLED_BACK }

    /** One resource's branch. */
    private static final class BranchWork {
        final String resource;
        final Xid xid;
        final XAResource xa;
        final @Nullable XAConnection pooled;
        @Nullable Connection handle;
        BranchState state = BranchState.ACTIVE;
        @Nullable String refusal;
        @Nullable String heuristic;
        boolean broken;

        BranchWork(String resource, Xid xid, XAResource xa, @Nullable XAConnection pooled) {
            this.resource = resource;
            this.xid = xid;
            this.xa = xa;
            this.pooled = pooled;
        }
    }

    private final XaCore core;
    private final String txnId;
    private final String owner;
    private final long deadlineMillis;
    private final Map<String, BranchWork> branches = new LinkedHashMap<>();
    private TransactionState state = TransactionState.NEW;
    private @Nullable String rollbackOnly;

    XaTransaction(XaCore core, String txnId, @Nullable String owner, long deadlineMillis) {
        this.core = core;
        this.txnId = txnId;
        this.owner = owner != null ? owner : NO_OWNER;
        this.deadlineMillis = deadlineMillis;
    }

    /** The transaction's id ({@code tx-<ms>-<random>}), the global part of its Xids. */
    public String id() {
        return txnId;
    }

    /** When it must be committed by; {@link #commit()} after it rolls back. */
    public Instant deadline() {
        return Instant.ofEpochMilli(deadlineMillis);
    }

    /** {@code NEW} while work is done; then {@code PREPARING} during commit, {@code COMMITTED} or {@code ABORTED}. */
    public TransactionState state() {
        return state;
    }

    /**
     * The Xid of this transaction's branch on {@code resource}: what {@link #enlist} starts, and
     * what an operator sees in the resource ({@code pg_prepared_xacts}).
     *
     * @throws IllegalArgumentException if no resource of that name is registered
     */
    public Xid xid(String resource) {
        checkRegistered(resource);
        return XaXid.of(txnId, owner, resource);
    }

    /**
     * A connection to {@code resource} whose work is part of this transaction: the first call
     * takes an XA connection from the resource's pool and starts the branch; later calls return
     * the same connection. Do not commit, roll back or close it: the transaction does, and gives
     * it back to the pool when it ends.
     *
     * @throws IllegalArgumentException if no resource of that name is registered
     * @throws IllegalStateException if the transaction is no longer open, or the resource was
     *     enlisted with an XA resource of the caller's
     * @throws SQLException if no connection could be opened ({@link java.sql.SQLTransientConnectionException}
     *     if none was free within the wait of {@link XaTransactions.Builder#maxConnections}), or the branch
     *     could not be started (nothing of this resource is then part of the transaction)
     */
    public Connection connection(String resource) throws SQLException {
        checkOpen();
        XaConnectionPool pool = checkRegistered(resource);
        BranchWork branch = branches.get(resource);
        if (branch != null) {
            if (branch.pooled == null) {
                throw new IllegalStateException("resource '" + resource + "' was enlisted with an XA resource of the"
                        + " caller's; use that resource's connection");
            }
            if (branch.state != BranchState.ACTIVE) {
                throw new IllegalStateException("the branch on resource '" + resource + "' is " + branch.state);
            }
            Connection handle = branch.handle;
            if (handle == null || handle.isClosed()) {
                handle = branch.pooled.getConnection();
                branch.handle = handle;
            }
            return handle;
        }
        XAConnection connection = pool.borrow();
        Xid xid = XaXid.of(txnId, owner, resource);
        try {
            connection.getXAResource().start(xid, XAResource.TMNOFLAGS);
        } catch (XAException e) {
            pool.release(connection, false);
            throw new SQLException("cannot start the branch of " + txnId + " on resource '" + resource + "': "
                    + XaOutcomes.describe(e), e);
        }
        branch = new BranchWork(resource, xid, connection.getXAResource(), connection);
        branches.put(resource, branch);
        branch.handle = connection.getConnection();
        return branch.handle;
    }

    /**
     * Makes {@code xa} this transaction's branch on {@code resource} and starts it (for a
     * transaction manager that hands out its own connections); if the branch was suspended with
     * {@link #delist}, resumes it.
     *
     * @throws IllegalArgumentException if no resource of that name is registered
     * @throws IllegalStateException if the transaction is no longer open, or another XA resource
     *     is already enlisted for {@code resource}
     * @throws XAException if the resource refused to start or resume the branch
     */
    public void enlist(String resource, XAResource xa) throws XAException {
        Objects.requireNonNull(xa, "xa");
        checkOpen();
        checkRegistered(resource);
        BranchWork branch = branches.get(resource);
        if (branch != null) {
            if (branch.xa != xa) {
                throw new IllegalStateException("resource '" + resource + "' is already enlisted in " + txnId
                        + " with another XA resource");
            }
            if (branch.state == BranchState.SUSPENDED) {
                xa.start(branch.xid, XAResource.TMRESUME);
                branch.state = BranchState.ACTIVE;
            }
            return;
        }
        Xid xid = XaXid.of(txnId, owner, resource);
        xa.start(xid, XAResource.TMNOFLAGS);
        branches.put(resource, new BranchWork(resource, xid, xa, null));
    }

    /**
     * Ends the association of {@code resource}'s branch with its work: {@code TMSUCCESS} (done),
     * {@code TMFAIL} (failed: the transaction can then only roll back) or {@code TMSUSPEND}
     * (resumed by {@link #enlist}).
     *
     * @throws IllegalStateException if the resource is not enlisted or not active
     * @throws XAException if the resource refused
     */
    public void delist(String resource, int flags) throws XAException {
        checkOpen();
        BranchWork branch = branches.get(resource);
        if (branch == null || branch.state != BranchState.ACTIVE) {
            throw new IllegalStateException("resource '" + resource + "' has no active branch in " + txnId);
        }
        if (flags != XAResource.TMSUCCESS && flags != XAResource.TMFAIL && flags != XAResource.TMSUSPEND) {
            throw new IllegalArgumentException("flags must be TMSUCCESS, TMFAIL or TMSUSPEND: " + flags);
        }
        branch.xa.end(branch.xid, flags);
        branch.state = flags == XAResource.TMSUSPEND ? BranchState.SUSPENDED
                : flags == XAResource.TMFAIL ? BranchState.FAILED : BranchState.ENDED;
        if (flags == XAResource.TMFAIL) {
            setRollbackOnly("the work on resource '" + resource + "' failed");
        }
    }

    /** The resources enlisted so far, in order. */
    public List<String> resources() {
        return List.copyOf(branches.keySet());
    }

    /** Marks the transaction so that it can only roll back; {@link #commit()} then rolls it back. */
    public void setRollbackOnly(String reason) {
        if (rollbackOnly == null) {
            rollbackOnly = Objects.requireNonNull(reason, "reason");
        }
    }

    /** Whether {@link #setRollbackOnly} was called (or a branch failed). */
    public boolean isRollbackOnly() {
        return rollbackOnly != null;
    }

    /**
     * Commits, as described in the class comment, and returns the outcome: {@code COMMITTED}, or
     * {@code ABORTED} with the reason (a branch refused or failed to prepare, the transaction was
     * marked rollback-only or timed out, or this instance's ZooKeeper session ended before the
     * decision), after which every branch is rolled back.
     *
     * <p>{@link Outcome#heuristics()} lists branches that the resource ended on its own against
     * the decision. A branch that cannot be committed now (its resource is unreachable) is
     * committed later by recovery; the outcome is still {@code COMMITTED} and its reason says so.
     *
     * @throws IllegalStateException if it is no longer open
     * @throws OutcomeUnknownException if ZooKeeper did not confirm or deny the decision in time, or
     *     the one resource of a one-phase commit failed mid-way: the branches stay prepared and
     *     recovery finishes them (commits if the decision exists, else rolls back)
     */
    public Outcome commit() {
        checkOpen();
        long started = System.nanoTime();
        Outcome outcome;
        core.committing.incrementAndGet();
        try {
            outcome = commitOpen();
        } catch (TransactionException e) {
            core.listener.commitEnded(TxnListener.Path.IN_PROCESS, null, e, SafeListener.since(started));
            throw e;
        } finally {
            core.committing.decrementAndGet();
        }
        core.listener.commitEnded(TxnListener.Path.IN_PROCESS, outcome, null, SafeListener.since(started));
        core.listener.finished(TxnListener.Path.IN_PROCESS, outcome);
        return outcome;
    }

    private Outcome commitOpen() {
        state = TransactionState.PREPARING;
        try {
            if (rollbackOnly != null) {
                return rollBack(rollbackOnly);
            }
            if (core.clock.millis() > deadlineMillis) {
                return rollBack("the transaction timed out (deadline " + deadline() + ")");
            }
            String ended = endAll();
            if (ended != null) {
                return rollBack(ended);
            }
            if (branches.isEmpty()) {
                return finish(TransactionState.COMMITTED, "no resource was enlisted");
            }
            if (branches.size() == 1) {
                return onePhase(branches.values().iterator().next());
            }
            List<BranchWork> all = new ArrayList<>(branches.values());
            parallel(all, this::prepare);
            String refused = refusals();
            if (refused != null) {
                return rollBack(refused);
            }
            List<BranchWork> toCommit = new ArrayList<>();
            for (BranchWork branch : all) {
                if (branch.state == BranchState.PREPARED) {
                    toCommit.add(branch);
                }
            }
            core.step(Step.XA_PREPARED, txnId);
            if (toCommit.size() > 1) {
                if (!decide(toCommit)) {
                    return rollBack("this instance's ZooKeeper session ended before the decision, so none can be"
                            + " made for it (a new session's transactions are not affected)");
                }
                core.step(Step.XA_DECIDED, txnId);
            }
            parallel(toCommit, this::commitBranch);
            return committed(toCommit);
        } finally {
            end();
        }
    }

    /**
     * Rolls back every branch (prepared or not) and ends the transaction.
     *
     * @throws IllegalStateException if it is no longer open
     */
    public void rollback() {
        checkOpen();
        try {
            core.listener.finished(TxnListener.Path.IN_PROCESS, rollBack("rolled back by the application"));
        } finally {
            end();
        }
    }

    /** Rolls back unless committed or rolled back already. Idempotent. */
    @Override
    public void close() {
        if (state == TransactionState.NEW) {
            rollback();
        }
    }

    private @Nullable String endAll() {
        for (BranchWork branch : branches.values()) {
            if (branch.state == BranchState.ACTIVE || branch.state == BranchState.SUSPENDED) {
                try {
                    branch.xa.end(branch.xid, XAResource.TMSUCCESS);
                    branch.state = BranchState.ENDED;
                } catch (XAException e) {
                    branch.state = BranchState.FAILED;
                    branch.broken = true;
                    return "the branch on resource '" + branch.resource + "' could not be ended: "
                            + XaOutcomes.describe(e);
                }
            } else if (branch.state == BranchState.FAILED) {
                return "the work on resource '" + branch.resource + "' failed";
            }
        }
        return null;
    }

    private void prepare(BranchWork branch) {
        try {
            int vote = branch.xa.prepare(branch.xid);
            branch.state = vote == XAResource.XA_RDONLY ? BranchState.READ_ONLY : BranchState.PREPARED;
        } catch (XAException e) {
            branch.state = XaOutcomes.rolledBack(e) ? BranchState.ROLLED_BACK : BranchState.FAILED;
            branch.broken = e.errorCode == XAException.XAER_RMFAIL;
            branch.refusal = "resource '" + branch.resource + "' refused to prepare: " + XaOutcomes.describe(e);
        } catch (RuntimeException e) {
            branch.state = BranchState.FAILED;
            branch.broken = true;
            branch.refusal = "resource '" + branch.resource + "' failed to prepare: " + e;
        }
    }

    private @Nullable String refusals() {
        for (BranchWork branch : branches.values()) {
            if (branch.refusal != null) {
                return branch.refusal;
            }
        }
        return null;
    }

    /**
     * Writes the COMMIT. False if this instance's session that began the transaction is gone (so
     * no decision was, or ever will be, made).
     *
     * @throws OutcomeUnknownException if ZooKeeper neither confirmed nor denied it in time
     */
    private boolean decide(List<BranchWork> toCommit) {
        if (owner.equals(NO_OWNER)) {
            return false;
        }
        List<String> resources = new ArrayList<>();
        toCommit.forEach(branch -> resources.add(branch.resource));
        long timeout = core.store.curator().getZookeeperClient().getConnectionTimeoutMs() + 10_000L;
        long sentNanos = System.nanoTime();
        long sentMillis = core.clock.millis();
        Throwable lost;
        try {
            return core.decisions.decideNow(new XaDecision(txnId, owner, resources), timeout)
                    == XaStore.Decided.COMMITTED;
        } catch (ExecutionException e) {
            lost = TxnStore.unwrap(e);
            if (lost instanceof KeeperException && !ZkErrors.isAmbiguous((KeeperException) lost)) {
                LOG.warn("transaction {}: ZooKeeper refused the decision ({}); rolling back", txnId, lost.toString());
                return false;
            }
        } catch (TimeoutException e) {
            lost = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lost = e;
        }
        // The reply was lost: ask ZooKeeper, after a sync, whether the write took effect.
        long giveUp = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        while (System.nanoTime() - giveUp < 0 && !Thread.currentThread().isInterrupted()) {
            try {
                if (core.store.isDecided(txnId).get(timeout, TimeUnit.MILLISECONDS)) {
                    return true;
                }
                // No decision now does not prove there never was one: if this instance's session
                // ended meanwhile, another instance's recovery may have committed every branch and
                // deleted the decision (the soak's finding). But recovery keeps a decision it
                // finished for the retention before deleting it, counted from when it saw it
                // finished, which is after the decision was written, which is after it was sent: so
                // less than CERTAIN_WITHIN after sending it (by this process's monotonic clock and
                // its wall clock both, should either have stood still), none found means none was
                // ever written (nor can it be now: its write checks a live node that is gone or
                // still ours).
                long elapsedMillis = Math.max(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentNanos),
                        core.clock.millis() - sentMillis);
                if (elapsedMillis < certainWithin().toMillis()) {
                    LOG.info("transaction {}: the reply to its COMMIT decision was lost ({}) and the decision was"
                            + " never written; rolling back", txnId, lost.toString());
                    return false;
                }
                // Later, recovery deletes a decision only once none of its branches is prepared,
                // so a branch of ours still prepared proves the decision never took effect; one
                // that is not leaves the outcome unknown.
                String gone = notPrepared(toCommit);
                if (gone == null) {
                    return false;
                }
                throw new OutcomeUnknownException(txnId, "the reply to its COMMIT decision was lost (" + lost + "),"
                        + " the decision is not in ZooKeeper and the branch on " + gone + " is no longer prepared:"
                        + " another instance may have committed the transaction (and deleted its decision) after this"
                        + " instance's session ended; its databases tell", lost);
            } catch (ExecutionException | TimeoutException e) {
                LOG.debug("transaction {}: cannot read the decision yet", txnId, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        throw new OutcomeUnknownException(txnId, "the reply to its COMMIT decision was lost (" + lost + ") and"
                + " ZooKeeper could not be read in time; every branch stays prepared and recovery commits them if"
                + " the decision exists, else rolls them back", lost);
    }

    /**
     * How long after sending a COMMIT decision whose reply was lost this process can still conclude
     * from its absence that it was never written: four fifths of the recovery's retention of
     * finished decisions, the rest a margin for clocks that run at slightly different rates.
     */
    static Duration certainWithin() {
        return XaRecovery.decisionRetention().multipliedBy(4).dividedBy(5);
    }

    /**
     * The first of {@code branches} (by resource name) that its resource no longer lists as
     * prepared, or that cannot be asked; null if every one is still prepared.
     */
    private @Nullable String notPrepared(List<BranchWork> branches) {
        for (BranchWork branch : branches) {
            boolean found = false;
            try {
                for (Xid xid : branch.xa.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
                    if (xid.getFormatId() == branch.xid.getFormatId()
                            && java.util.Arrays.equals(xid.getGlobalTransactionId(), branch.xid.getGlobalTransactionId())
                            && java.util.Arrays.equals(xid.getBranchQualifier(), branch.xid.getBranchQualifier())) {
                        found = true;
                        break;
                    }
                }
            } catch (XAException | RuntimeException e) {
                LOG.debug("transaction {}: cannot list the prepared branches of {}", txnId, branch.resource, e);
            }
            if (!found) {
                return "'" + branch.resource + "'";
            }
        }
        return null;
    }

    private void commitBranch(BranchWork branch) {
        try {
            branch.xa.commit(branch.xid, false);
            branch.state = BranchState.COMMITTED;
        } catch (XAException e) {
            if (XaOutcomes.heuristic(e)) {
                branch.heuristic = XaOutcomes.describe(e);
                branch.state = BranchState.COMMITTED;
                forgetQuietly(branch);
            } else if (e.errorCode == XAException.XAER_NOTA) {
                // Prepared by us, in flight here, so recovery left it alone: ended by someone else.
                branch.heuristic = "the branch was no longer prepared at commit (ended outside Baton?): "
                        + XaOutcomes.describe(e);
                branch.state = BranchState.COMMITTED;
            } else {
                branch.broken = e.errorCode == XAException.XAER_RMFAIL;
                branch.refusal = "resource '" + branch.resource + "' could not commit now (" + XaOutcomes.describe(e)
                        + "); recovery commits it";
            }
        } catch (RuntimeException e) {
            branch.broken = true;
            branch.refusal = "resource '" + branch.resource + "' could not commit now (" + e + "); recovery commits it";
        }
        if (branch.state == BranchState.COMMITTED) {
            core.step(Step.XA_COMMITTING, txnId);
        }
    }

    private Outcome committed(List<BranchWork> committed) {
        List<String> pending = new ArrayList<>();
        Map<String, String> heuristics = new LinkedHashMap<>();
        for (BranchWork branch : committed) {
            if (branch.state != BranchState.COMMITTED) {
                pending.add(branch.resource);
            }
            if (branch.heuristic != null) {
                heuristics.put(branch.resource, branch.heuristic);
            }
        }
        String reason = committed.size() > 1 ? "all " + branches.size() + " resources prepared"
                : committed.isEmpty() ? "every branch was read-only"
                : "all " + branches.size() + " resources prepared; one branch to commit, so no decision was written";
        if (!pending.isEmpty()) {
            reason += "; " + pending + " could not commit now and are committed by recovery";
            core.recovery.schedule();
        } else if (committed.size() > 1) {
            core.step(Step.XA_COMMITTED, txnId);
            core.janitor.forget(txnId);
        }
        if (!heuristics.isEmpty()) {
            LOG.error("transaction {} committed with HEURISTIC outcomes: {}", txnId, heuristics);
        }
        return outcome(TransactionState.COMMITTED, reason, heuristics);
    }

    private Outcome onePhase(BranchWork branch) {
        try {
            branch.xa.commit(branch.xid, true);
            branch.state = BranchState.COMMITTED;
            return finish(TransactionState.COMMITTED, "one resource, committed in one phase");
        } catch (XAException e) {
            if (XaOutcomes.rolledBack(e)) {
                branch.state = BranchState.ROLLED_BACK;
                branch.refusal = "resource '" + branch.resource + "' rolled back: " + XaOutcomes.describe(e);
                return finish(TransactionState.ABORTED, branch.refusal);
            }
            branch.broken = true;
            throw new OutcomeUnknownException(txnId, "the one-phase commit on resource '" + branch.resource
                    + "' failed (" + XaOutcomes.describe(e) + "); it may or may not have committed", e);
        }
    }

    /** Rolls back every branch not yet finished and returns the ABORTED outcome. */
    private Outcome rollBack(String reason) {
        for (BranchWork branch : branches.values()) {
            if (branch.state == BranchState.ACTIVE || branch.state == BranchState.SUSPENDED) {
                try {
                    branch.xa.end(branch.xid, XAResource.TMFAIL);
                } catch (XAException e) {
                    LOG.debug("transaction {}: end of the branch on {} failed", txnId, branch.resource, e);
                }
            }
            if (branch.state != BranchState.ROLLED_BACK && branch.state != BranchState.READ_ONLY) {
                try {
                    branch.xa.rollback(branch.xid);
                } catch (XAException e) {
                    if (e.errorCode != XAException.XAER_NOTA) {
                        // Prepared and unreachable: recovery rolls it back (no decision exists).
                        branch.broken = true;
                        LOG.warn("transaction {}: the rollback on resource '{}' failed ({}); recovery rolls it back",
                                txnId, branch.resource, XaOutcomes.describe(e));
                    }
                } catch (RuntimeException e) {
                    branch.broken = true;
                    LOG.warn("transaction {}: the rollback on resource '{}' failed", txnId, branch.resource, e);
                }
                branch.state = BranchState.ROLLED_BACK;
            }
        }
        return finish(TransactionState.ABORTED, reason);
    }

    private Outcome finish(TransactionState ending, String reason) {
        return outcome(ending, reason, Map.of());
    }

    private Outcome outcome(TransactionState ending, String reason, Map<String, String> heuristics) {
        state = ending;
        Map<String, Vote> votes = new LinkedHashMap<>();
        for (BranchWork branch : branches.values()) {
            votes.put(branch.resource, branch.refusal != null && ending == TransactionState.ABORTED
                    ? Vote.no(branch.refusal) : Vote.yes());
        }
        return new Outcome(txnId, ending, reason, List.copyOf(branches.keySet()), votes,
                Instant.ofEpochMilli(core.clock.millis()), heuristics);
    }

    /** Gives the pooled connections back and stops counting the transaction as in flight. */
    private void end() {
        if (state == TransactionState.PREPARING) {
            state = TransactionState.ABORTED; // an exception left it: its branches are recovery's now
        }
        for (BranchWork branch : branches.values()) {
            if (branch.pooled != null) {
                checkRegistered(branch.resource).release(branch.pooled, !branch.broken);
            }
        }
        core.inFlight.remove(txnId);
    }

    private void forgetQuietly(BranchWork branch) {
        try {
            branch.xa.forget(branch.xid);
        } catch (XAException e) {
            LOG.debug("transaction {}: forget on {} failed", txnId, branch.resource, e);
        }
    }

    /**
     * Runs {@code action} on every branch: at once while no more transactions are committing than
     * {@link XaCore#parallelUpTo} (the caller runs the last, the core's threads the others), one
     * after the other on the caller's thread above that, where a hand-off would only add a thread
     * switch to work that waits for a core anyway. An exception of an action (only a test hook
     * throws) is rethrown once all are done.
     */
    private void parallel(List<BranchWork> work, java.util.function.Consumer<BranchWork> action) {
        if (work.isEmpty()) {
            return;
        }
        if (core.committing.get() > core.parallelUpTo) {
            RuntimeException first = null;
            for (BranchWork branch : work) {
                try {
                    action.accept(branch);
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
            return;
        }
        List<CompletableFuture<Void>> others = new ArrayList<>();
        for (BranchWork branch : work.subList(0, work.size() - 1)) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            core.executor.executeOrRun(() -> {
                try {
                    action.accept(branch);
                    done.complete(null);
                } catch (RuntimeException | Error e) {
                    done.completeExceptionally(e);
                }
            });
            others.add(done);
        }
        RuntimeException failure = null;
        try {
            action.accept(work.get(work.size() - 1));
        } catch (RuntimeException e) {
            failure = e;
        }
        for (CompletableFuture<Void> done : others) {
            try {
                done.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException ? (RuntimeException) e.getCause() : e;
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private XaConnectionPool checkRegistered(String resource) {
        XaConnectionPool pool = core.resources.get(Objects.requireNonNull(resource, "resource"));
        if (pool == null) {
            throw new IllegalArgumentException("no XA resource '" + resource + "' is registered; registered: "
                    + core.resources.keySet() + " (register it with XaTransactions.Builder.resource, so that"
                    + " recovery can finish its branches)");
        }
        return pool;
    }

    private void checkOpen() {
        if (state != TransactionState.NEW) {
            throw new IllegalStateException("transaction " + txnId + " is " + state + ", no longer open");
        }
    }

    @Override
    public String toString() {
        return "XaTransaction[" + txnId + " " + state + " " + branches.keySet() + "]";
    }

}
