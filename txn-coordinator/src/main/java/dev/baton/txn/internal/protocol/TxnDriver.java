package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.ReadBatch;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.internal.store.Zk;

import dev.baton.txn.internal.protocol.StepListener.Step;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transaction as one coordinator instance sees it. Every event (a vote, a decision, the driver
 * lease changing hands or being lost, the deadline, a reconnection) re-runs {@link #evaluate()},
 * which reads the znodes and does the next step from whatever state they show: the same code
 * begins-to-ends a transaction this instance started and finishes one whose coordinator died.
 *
 * <p>Only the instance holding the transaction's {@link DriverLease} collects votes, decides and
 * collects; the others watch only the lease's queue (and the decision, while a caller of theirs
 * waits for it), and take the lease over when its holder is gone. A lost lease stops this instance
 * before its next write. Safety never depends on that exclusivity: the decision is one atomic
 * {@code create}, so two drivers can only agree.
 *
 * <p>Thread safety: {@link #evaluate()} runs under the object's lock on the coordinator's threads.
 */
public final class TxnDriver {

    private static final Logger LOG = LoggerFactory.getLogger(TxnDriver.class);

    public final String txnId;
    private final CoordinatorCore core;
    private final TxnLayout layout;
    private final CompletableFuture<Outcome> outcome;
    private final Watcher watcher = event -> {
        String path = event.getPath() == null ? "" : event.getPath();
        if (event.getType() == Watcher.Event.EventType.NodeCreated && path.endsWith("/decision")) {
            decisionCreated = true;
        } else if (event.getType() == Watcher.Event.EventType.NodeChildrenChanged && path.endsWith("/ack")) {
            acksChanged = true;
        }
        schedule();
    };
    /** Told by the watch: an acknowledgement came since the last listing (true until the first). */
    private volatile boolean acksChanged = true;
    /** Told by the watch: the decision exists, so the next read of it needs no watch. */
    private volatile boolean decisionCreated;
    /** The acknowledgements as last listed, and the session that listing's watch belongs to. */
    private List<String> acked;
    private long ackedSession;
    private boolean heuristicAcks;
    /**
     * The begin's reply was lost: until ZooKeeper shows whether it took effect, this instance
     * writes nothing for the transaction (see {@link #resolveBegin}).
     */
    private volatile Exception beginUncertain;
    private final AtomicBoolean queued = new AtomicBoolean();
    private final DriverLease lease;
    private final Ballot ballot;
    private volatile boolean finished;
    private TransactionState state = TransactionState.PREPARING;
    private TxnRecord record;
    private Decision decision;
    private ScheduledFuture<?> timer;
    private int failures;

    /**
     * @param outcome the caller's future when this instance began the transaction, else null
     * @param record the record when this instance writes it, else null (it is read)
     */
    public TxnDriver(CoordinatorCore core, String txnId, CompletableFuture<Outcome> outcome, TxnRecord record) {
        this.core = core;
        this.record = record;
        this.layout = core.layout;
        this.txnId = txnId;
        this.outcome = outcome;
        this.lease = new DriverLease(core.locks, txnId, layout.driver(txnId), this::leaseLost);
        this.ballot = new Ballot(core, txnId);
    }

    /** The operation queueing this instance's driver lease, for the begin {@code multi}. */
    public CuratorOp beginOp() {
        return lease.beginOp();
    }

    /** The driver lease's fencing token while this instance holds it, else -1. */
    public long leaseToken() {
        return lease.token();
    }

    /** The begin {@code multi} was sent, but its reply was lost: whether it took effect is unknown. */
    public void beginUncertain(Exception cause) {
        beginUncertain = cause;
    }

    /** Queues an evaluation unless one is queued already. */
    public void schedule() {
        if (!finished && queued.compareAndSet(false, true)) {
            core.execute(this::run);
        }
    }

    private void leaseLost() {
        if (!finished) {
            LOG.debug("transaction {}: the driver lease was lost; this instance stops driving it", txnId);
            schedule();
        }
    }

    private synchronized void run() {
        queued.set(false);
        if (finished) {
            return;
        }
        if (!core.zk.usable()) {
            fail(new OutcomeUnknownException(txnId, "the coordinator's ZooKeeper client was closed before it learnt"
                    + " the decision; another coordinator instance finishes the transaction"));
            return;
        }
        try {
            if (beginUncertain == null || resolveBegin()) {
                evaluate();
            }
            failures = 0;
        } catch (CorruptNodeException e) {
            core.report(txnId, e.getMessage());
            fail(new OutcomeUnknownException(txnId, e.getMessage()));
        } catch (Exception e) {
            if (finished || core.isClosed() || !core.zk.usable()) {
                fail(new OutcomeUnknownException(txnId, "the coordinator stopped before it learnt the decision: " + e, e));
                return;
            }
            failures++;
            LOG.debug("transaction {}: step failed ({} in a row); retrying", txnId, failures, e);
            core.schedule(this::schedule, Math.min(2000, 25L << Math.min(failures, 7)));
        }
    }

    /**
     * Finds out whether a begin whose reply was lost took effect, without ever sending it again.
     * After a sync, ZooKeeper has either applied the begin or will never apply it: the request was
     * sent on a connection or session that has since been replaced, and ZooKeeper rejects requests
     * of a session that moved or ended. So: the record there means it was begun (drive it as
     * usual); its outcome in the history means it was begun and finished meanwhile (the caller
     * gets that outcome); neither, with a history that still holds every transaction this young,
     * means it was never begun; otherwise nobody can tell.
     *
     * @return true if the transaction was begun and is to be driven as usual
     */
    private boolean resolveBegin() throws Exception {
        core.zk.syncWithLeader(layout.record(txnId));
        byte[] data = core.zk.data(layout.record(txnId), null);
        if (data != null) {
            if (!java.util.Arrays.equals(data, TxnCodec.record(record))) {
                fail(new TransactionException(txnId, "id already taken by another transaction; nothing was written"));
                return false;
            }
            LOG.info("transaction {}: the reply to its begin was lost ({}); ZooKeeper shows the begin took effect",
                    txnId, beginUncertain.toString());
            beginUncertain = null;
            return true;
        }
        TxnHistory.Lookup found = core.history.lookup(txnId);
        switch (found.verdict()) {
            case FINISHED:
                LOG.info("transaction {}: the reply to its begin was lost; it was begun and finished meanwhile: {}",
                        txnId, found.outcome());
                finish();
                core.deliver(outcome, found.outcome(), null);
                break;
            case NOT_FINISHED:
                LOG.info("transaction {}: the reply to its begin was lost; ZooKeeper shows it never took effect", txnId);
                fail(new TransactionException(txnId, "the begin did not take effect: its reply was lost ("
                        + beginUncertain + "), and ZooKeeper, read once that request could no longer be applied,"
                        + " holds neither the transaction nor its outcome; nothing was written, and it is safe to"
                        + " try again", beginUncertain));
                break;
            default:
                LOG.warn("transaction {}: the reply to its begin was lost and ZooKeeper cannot tell whether it was"
                        + " begun: it is not there and its outcome is not in the history, which has dropped"
                        + " transactions this young", txnId);
                fail(new OutcomeUnknownException(txnId, "the reply to its begin was lost (" + beginUncertain
                        + ") and the transaction is neither in ZooKeeper nor in the history, which has dropped"
                        + " transactions this young (or keeps none): it may have been begun and finished either"
                        + " way; ask its participants", beginUncertain));
                break;
        }
        return false;
    }

    private void evaluate() throws Exception {
        boolean driving = lease.claim(core.zk, watcher);
        if (lease.queueMissing()) {
            queueMissing();
            return;
        }
        if (!driving && (outcome == null || outcome.isDone())) {
            // A follower only watches the driver queue, to take over when it empties: every
            // instance follows every transaction, so each read here would be paid by all of them.
            return;
        }
        if (record == null) {
            byte[] data = core.zk.data(layout.record(txnId), null);
            if (data == null) {
                gone();
                return;
            }
            record = TxnCodec.record(txnId, data);
        }
        if (decision == null) {
            readVotesAndDecision(driving);
        }
        if (decision == null) {
            if (!driving) {
                return;
            }
            Decision next = decide();
            if (next == null) {
                armDeadline();
                return;
            }
            core.step(Step.DECIDING, txnId);
            if (!lease.holds() || (decision = createDecision(next)) == null) {
                return;
            }
            core.step(Step.DECIDED, txnId);
        }
        moveTo(decision.state());
        completeOutcome();
        if (driving) {
            if (allAcked()) {
                collect();
            } else {
                core.step(Step.AWAITING_ACKS, txnId);
            }
        }
    }

    /**
     * The driver queue is gone: normal once the transaction was collected (then it is finished
     * here); otherwise the transaction was not written by this protocol.
     */
    private void queueMissing() throws Exception {
        byte[] data = core.zk.data(layout.record(txnId), null);
        if (data == null) {
            gone();
            return;
        }
        // A damaged record or decision is reported as what it is, not as the missing queue.
        TxnCodec.record(txnId, data);
        readDecision();
        throw new CorruptNodeException("transaction " + txnId + " has no driver queue " + layout.driver(txnId)
                + ", so no coordinator can drive it (not written by this version of Baton?)");
    }

    /**
     * Reads the votes (if driving) and the decision in one round trip, watching both. The votes
     * are read first: a NO vote carries its ABORT, so it is then seen as decided.
     */
    private void readVotesAndDecision(boolean driving) throws Exception {
        ReadBatch batch = core.zk.batch();
        Ballot.Pending votes = driving ? ballot.ask(batch, record, watcher) : null;
        CompletableFuture<ReadBatch.Node> decided = askDecision(batch);
        batch.await();
        if (votes != null) {
            ballot.take(votes, record);
        }
        decision = takeDecision(decided);
    }

    private Decision readDecision() throws Exception {
        ReadBatch batch = core.zk.batch();
        CompletableFuture<ReadBatch.Node> decided = askDecision(batch);
        batch.await();
        return takeDecision(decided);
    }

    /** The decision node's data, or null with a watch for its creation (which a getData watch would not tell). */
    private CompletableFuture<ReadBatch.Node> askDecision(ReadBatch batch) {
        return batch.settledData(layout.decision(txnId), watcher, decisionCreated);
    }

    private Decision takeDecision(CompletableFuture<ReadBatch.Node> reply) throws CorruptNodeException {
        ReadBatch.Node node = reply.getNow(null);
        if (node == null) {
            return null;
        }
        Decision read = TxnCodec.decision(txnId, node.data());
        ballot.decidedAt(node.stat().getCzxid());
        return read;
    }

    /** The decision the votes and the clock call for, or null to keep waiting. */
    private Decision decide() {
        Map<String, Vote> votes = ballot.votes();
        for (Map.Entry<String, Vote> vote : votes.entrySet()) {
            if (!vote.getValue().isYes()) {
                return Decision.abort("participant '" + vote.getKey() + "' voted NO: " + vote.getValue().reason());
            }
        }
        if (votes.keySet().containsAll(record.participants())) {
            return Decision.commit("all " + record.participants().size() + " participants voted YES");
        }
        if (core.clock.millis() >= record.deadlineMillis()) {
            List<String> missing = new ArrayList<>(record.participants());
            missing.removeAll(votes.keySet());
            return Decision.abort("the deadline passed without a vote from " + missing);
        }
        return null;
    }

    private Decision createDecision(Decision next) throws Exception {
        Stat stat = new Stat();
        Zk.Created created = core.zk.create(layout.decision(txnId), TxnCodec.decision(next), CreateMode.PERSISTENT, stat);
        if (created == Zk.Created.CREATED) {
            ballot.decidedAt(stat.getCzxid());
            return next;
        }
        if (created == Zk.Created.NO_PARENT) {
            gone();
            return null;
        }
        return readDecision();
    }

    private void armDeadline() {
        if (timer == null || timer.isDone()) {
            long delay = record.deadlineMillis() - core.clock.millis() + 1;
            timer = core.schedule(this::schedule, delay);
        }
    }

    private void moveTo(TransactionState next) {
        if (state != next) {
            if (!state.canMoveTo(next)) {
                throw new IllegalStateException("transaction " + txnId + " cannot move from " + state + " to " + next);
            }
            state = next;
        }
    }

    private Outcome outcomeNow(Instant finishedAt) throws Exception {
        ballot.readAll(record);
        return new Outcome(txnId, state, decision.reason(), record.participants(), ballot.castBeforeDecision(record),
                finishedAt);
    }

    private void completeOutcome() throws Exception {
        if (outcome != null && !outcome.isDone()) {
            core.deliver(outcome, outcomeNow(null), null);
        }
    }

    /** Lists the acknowledgements (watching for more) unless none came since the last listing. */
    private boolean allAcked() throws Exception {
        // The watch that would tell of new acknowledgements dies with its session, and its death
        // (an event of type None) says nothing about the acks: a listing from another session
        // is stale, whatever the flag says. Without this a driver that re-took its lease after
        // its session expired waited for acks it already had, for ever (issue 10, part B).
        long session = core.zk.sessionId();
        if (acked != null && !acksChanged && ackedSession == session) {
            return acked.containsAll(record.participants());
        }
        acksChanged = false;
        List<String> acks;
        Stat parent = new Stat();
        try {
            acks = core.zk.childrenWithStat(layout.acks(txnId), parent, watcher);
            ackedSession = session;
            // A host that acknowledges a heuristic outcome bumps the parent's version.
            heuristicAcks = acks != null && parent.getVersion() > 0;
        } catch (Exception e) {
            acksChanged = true;
            throw e;
        }
        if (acks == null) {
            acksChanged = true;
        }
        acked = acks;
        return acks != null && acks.containsAll(record.participants());
    }

    private void collect() throws Exception {
        Outcome finished = outcomeNow(core.history.finishedNow(core.clock));
        if (heuristicAcks) {
            Outcome plain = finished;
            finished = new Outcome(plain.txnId(), plain.state(), plain.reason(), plain.participants(), plain.votes(),
                    plain.finishedAt().orElse(null), readHeuristics());
        }
        TxnCleanup.Known known = new TxnCleanup.Known(acked, List.copyOf(ballot.voteNodesRead()), record.participants());
        if (TxnCleanup.collect(core, txnId, lease, finished, known)) {
            core.step(Step.COLLECTED, txnId);
            finish();
        }
    }

    /**
     * The record is gone: the transaction was collected (by any instance) after its decision.
     * A caller still waiting gets the outcome from the history; "unknown" only if the history no
     * longer holds it.
     */
    /** The heuristic outcomes the acknowledgements report, by participant. */
    private Map<String, String> readHeuristics() throws Exception {
        List<String> paths = new ArrayList<>();
        acked.forEach(participant -> paths.add(layout.ack(txnId, participant)));
        List<byte[]> contents = core.zk.dataOf(paths);
        Map<String, String> heuristics = new LinkedHashMap<>();
        for (int i = 0; i < acked.size(); i++) {
            String found = TxnCodec.ackHeuristic(txnId, acked.get(i), contents.get(i));
            if (found != null) {
                heuristics.put(acked.get(i), found);
            }
        }
        if (!heuristics.isEmpty()) {
            LOG.error("transaction {} ({}) finished with HEURISTIC outcomes: {}", txnId, state, heuristics);
        }
        return heuristics;
    }

    private void gone() throws Exception {
        if (outcome == null || outcome.isDone()) {
            finish();
            return;
        }
        TxnHistory.Lookup found = core.history.lookup(txnId);
        finish();
        if (found.verdict() == TxnHistory.Verdict.FINISHED) {
            core.deliver(outcome, found.outcome(), null);
        } else {
            core.deliver(outcome, null, new OutcomeUnknownException(txnId, "the transaction finished while this"
                    + " coordinator was cut off, and its outcome is no longer in the history"
                    + (found.verdict() == TxnHistory.Verdict.NOT_FINISHED ? " (its nodes were deleted without being"
                    + " collected: by hand?)" : " (it keeps only the last transactions, or none)")
                    + "; ask its participants"));
        }
    }

    private void fail(TransactionException error) {
        finish();
        if (outcome != null && !outcome.isDone()) {
            core.deliver(outcome, null, error);
        }
    }

    private void finish() {
        finished = true;
        if (timer != null) {
            timer.cancel(false);
        }
        core.forget(this);
    }

    /** Fails a waiting caller and gives up the driver lease so another instance takes over at once. */
    public void close() {
        finished = true;
        if (timer != null) {
            timer.cancel(false);
        }
        if (outcome != null && !outcome.isDone()) {
            outcome.completeExceptionally(new OutcomeUnknownException(txnId, "the coordinator was closed before"
                    + " the decision; another coordinator instance finishes the transaction"));
        }
        lease.close();
    }
}
