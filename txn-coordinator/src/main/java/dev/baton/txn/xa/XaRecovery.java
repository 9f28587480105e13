package dev.baton.txn.xa;

import dev.baton.txn.TxnListener;
import dev.baton.txn.internal.protocol.ReevaluatingTask;
import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.internal.store.XaDecision;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.XAConnection;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes the in-process branches nobody else will, on every instance that has the resource
 * registered: a scan lists the prepared Baton branches of each resource ({@code XAResource.recover()})
 * and, for each one,
 *
 * <ul>
 *   <li>its transaction has a decision: commits it (committing is what the decision says, so any
 *       instance may, any number of times);
 *   <li>no decision, and the session that began it is gone (its live node is absent) or it is this
 *       instance's own and no longer in flight: rolls it back once it has been seen prepared for the
 *       grace period. Safe because a decision write checks its owner's live node: once that node is
 *       gone (and it is read before the decisions), no decision can appear later;
 *   <li>otherwise its coordinator is alive and will decide: left alone.
 * </ul>
 *
 * <p>Then a decision whose owner is gone and none of whose branches is still prepared is deleted
 * (only by an instance that has all of its resources registered, so it can tell), once this
 * instance has seen it so for {@link #decisionRetention()}: a coordinator whose session ended while
 * the reply to its decision was on its way looks the decision up afterwards, and within that time
 * finds it if it was ever written (see {@code XaTransaction}).
 *
 * <p>A scan runs at start, when an owner's live node goes (the watch on {@code xa/live}), after a
 * branch could not be finished, when a branch seen earlier reaches the grace period, and every
 * recovery interval in case a resource was unreachable: no faster loop than that. Scans never
 * overlap ({@link ReevaluatingTask}); a failed one is retried with a back-off.
 */
final class XaRecovery extends ReevaluatingTask {

    private static final Logger LOG = LoggerFactory.getLogger(XaRecovery.class);

    /**
     * The system property that sets {@link #decisionRetention()} in milliseconds, for tests that
     * wait for recovery to delete what it finished. Every instance must use the same value. Not
     * under {@code baton.}: that namespace is Baton's configuration, whose unknown keys are refused.
     */
    static final String RETENTION_PROPERTY = "dev.baton.xa.decision-retention-ms";
    private static final long DEFAULT_RETENTION_MILLIS = TimeUnit.MINUTES.toMillis(5);

    private final XaCore core;
    /** When each finished decision of a gone owner was first seen so, to wait out the retention. */
    private final Map<String, Long> finishedSince = new ConcurrentHashMap<>();
    /** When each prepared branch without a decision was first seen, to wait out the grace period. */
    private final Map<Xid, Long> firstSeen = new ConcurrentHashMap<>();
    /** Transactions of other owners whose recovery was told to the listener, while a branch of theirs is seen. */
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private final Watcher ownersWatcher = event -> schedule();

    /**
     * How long a decision that recovery finished is kept before recovery deletes it: 5 minutes, the
     * same for every instance (so not a setting of the builder). A coordinator that lost the reply to
     * its decision write and finds no decision less than {@link XaTransaction#certainWithin()} after
     * sending it knows it was never written. Tests change it with {@link #RETENTION_PROPERTY}.
     */
    static Duration decisionRetention() {
        return Duration.ofMillis(Math.max(0, Long.getLong(RETENTION_PROPERTY, DEFAULT_RETENTION_MILLIS)));
    }

    /** How many prepared branches of gone owners, without a decision, wait out the grace period now (for tests). */
    int waitingOutGrace() {
        return firstSeen.size();
    }

    XaRecovery(XaCore core) {
        super(core.executor, 30_000);
        this.core = core;
    }

    @Override
    protected CompletableFuture<Void> evaluate() {
        if (!core.store.usable()) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> {
            try {
                long next = scan();
                wakeIn(next);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, executor());
    }

    @Override
    protected boolean failed(Throwable cause, int failuresInARow) {
        if (core.isShutDown()) {
            return false;
        }
        LOG.debug("XA recovery scan failed ({} in a row); trying again", failuresInARow, TxnStore.unwrap(cause));
        return true;
    }

    /** One scan; returns when the next one is due, in milliseconds. */
    private long scan() throws Exception {
        long timeout = core.store.curator().getZookeeperClient().getConnectionTimeoutMs() + 10_000L;
        core.ensureOwner();
        // The owners first, then the decisions: an owner read as gone can no longer decide.
        await(core.store.sync(), timeout);
        Set<String> owners = await(core.store.liveOwners(ownersWatcher), timeout);
        long now = System.nanoTime();
        long graceNanos = core.recoveryGrace.toNanos();
        long nextMillis = core.recoveryInterval.toMillis();
        Map<String, Optional<XaDecision>> decisions = new HashMap<>();
        Set<Xid> stillPrepared = new HashSet<>();
        Set<Xid> seen = new HashSet<>();
        for (Map.Entry<String, XaConnectionPool> resource : core.resources.entrySet()) {
            for (Xid xid : prepared(resource.getKey(), resource.getValue())) {
                XaXid.Parts parts = XaXid.parse(xid).orElseThrow();
                seen.add(xid);
                if (core.inFlight.contains(parts.txnId())) {
                    stillPrepared.add(xid);
                    continue;
                }
                Optional<XaDecision> decision = decisions.get(parts.txnId());
                if (decision == null) {
                    decision = await(core.store.decision(parts.txnId()), timeout);
                    decisions.put(parts.txnId(), decision);
                }
                boolean ownerGone = !owners.contains(parts.owner()) || parts.owner().equals(core.owner());
                if (decision.isPresent()) {
                    // A live owner commits its own branches (its commit() may be at it right now and
                    // would take a branch gone under it for a heuristic ending); its own recovery
                    // finishes what it could not. Anyone commits those of an owner that is gone.
                    if (!ownerGone || !finish(resource.getValue(), xid, true)) {
                        stillPrepared.add(xid);
                    } else {
                        recovered(parts);
                    }
                    continue;
                }
                if (!ownerGone) {
                    stillPrepared.add(xid);
                    continue;
                }
                long since = firstSeen.computeIfAbsent(xid, x -> now);
                long waited = now - since;
                if (waited >= graceNanos) {
                    if (!finish(resource.getValue(), xid, false)) {
                        stillPrepared.add(xid);
                    } else {
                        recovered(parts);
                    }
                } else {
                    stillPrepared.add(xid);
                    nextMillis = Math.min(nextMillis, TimeUnit.NANOSECONDS.toMillis(graceNanos - waited) + 1);
                }
            }
        }
        firstSeen.keySet().retainAll(seen);
        Set<String> open = new HashSet<>();
        seen.forEach(xid -> XaXid.parse(xid).ifPresent(parts -> open.add(parts.txnId())));
        reported.retainAll(open);
        return Math.min(nextMillis, forgetOrphanedDecisions(owners, stillPrepared, timeout));
    }

    /** A branch of another owner's transaction was finished here: told once per transaction. */
    private void recovered(XaXid.Parts parts) {
        if (!parts.owner().equals(core.owner()) && reported.add(parts.txnId())) {
            core.listener.tookOver(TxnListener.Path.IN_PROCESS, parts.txnId());
        }
    }

    /**
     * Deletes the decisions of gone owners whose every branch is finished, where this instance can
     * tell, once seen so for the retention; returns when the next one is due, in milliseconds.
     */
    private long forgetOrphanedDecisions(Set<String> owners, Set<Xid> stillPrepared, long timeout) throws Exception {
        long now = System.nanoTime();
        long retentionNanos = decisionRetention().toNanos();
        long nextMillis = Long.MAX_VALUE;
        List<String> candidates = new ArrayList<>();
        for (String txnId : await(core.store.decisions(), timeout)) {
            if (!core.inFlight.contains(txnId)) {
                candidates.add(txnId);
            }
        }
        finishedSince.keySet().retainAll(candidates);
        for (String txnId : candidates) {
            Optional<XaDecision> decision = await(core.store.decision(txnId), timeout);
            if (decision.isEmpty() || owners.contains(decision.get().owner())
                    && !decision.get().owner().equals(core.owner())) {
                continue; // gone meanwhile, or its owner is alive and deletes it itself
            }
            boolean finished = true;
            for (String resource : decision.get().resources()) {
                if (!core.resources.containsKey(resource)
                        || stillPrepared.contains(XaXid.of(txnId, decision.get().owner(), resource))) {
                    finished = false;
                    break;
                }
            }
            if (!finished) {
                finishedSince.remove(txnId);
                continue;
            }
            long waited = now - finishedSince.computeIfAbsent(txnId, id -> now);
            if (waited >= retentionNanos) {
                finishedSince.remove(txnId);
                core.janitor.forget(txnId);
            } else {
                nextMillis = Math.min(nextMillis, TimeUnit.NANOSECONDS.toMillis(retentionNanos - waited) + 1);
            }
        }
        return nextMillis;
    }

    /** The prepared in-process branches of {@code name}. */
    private List<Xid> prepared(String name, XaConnectionPool pool) throws Exception {
        XAConnection connection = pool.borrow();
        boolean reusable = false;
        try {
            List<Xid> found = new ArrayList<>();
            for (Xid xid : connection.getXAResource().recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)) {
                Optional<XaXid.Parts> parts = XaXid.parse(xid);
                if (parts.isPresent() && parts.get().resource().equals(name)) {
                    found.add(XaXid.of(parts.get().txnId(), parts.get().owner(), name));
                }
            }
            reusable = true;
            return found;
        } finally {
            pool.release(connection, reusable);
        }
    }

    /** Commits or rolls back a prepared branch; false if it could not be done now (a later scan tries again). */
    private boolean finish(XaConnectionPool pool, Xid xid, boolean commit) {
        try {
            XAConnection connection = pool.borrow();
            boolean reusable = false;
            try {
                if (commit) {
                    connection.getXAResource().commit(xid, false);
                } else {
                    connection.getXAResource().rollback(xid);
                }
                reusable = true;
                LOG.info("XA recovery {} branch {}", commit ? "committed" : "rolled back", xid);
                return true;
            } catch (XAException e) {
                if (e.errorCode == XAException.XAER_NOTA) {
                    reusable = true;
                    return true; // finished meanwhile, by its coordinator or another instance
                }
                LOG.warn("XA recovery could not {} branch {}: {}", commit ? "commit" : "roll back", xid,
                        XaOutcomes.describe(e));
                reusable = e.errorCode != XAException.XAER_RMFAIL;
                return false;
            } finally {
                pool.release(connection, reusable);
            }
        } catch (java.sql.SQLException e) {
            LOG.warn("XA recovery could not connect to finish branch {}: {}", xid, e.toString());
            return false;
        }
    }

    private static <T> T await(CompletableFuture<T> answer, long timeoutMillis) throws Exception {
        try {
            return answer.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            Throwable cause = TxnStore.unwrap(e);
            throw cause instanceof Exception ? (Exception) cause : e;
        } catch (TimeoutException e) {
            answer.cancel(false);
            throw e;
        }
    }
}
