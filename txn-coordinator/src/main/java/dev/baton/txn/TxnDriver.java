package dev.baton.txn;

import dev.baton.txn.StepListener.Step;
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
final class TxnDriver {

    private static final Logger LOG = LoggerFactory.getLogger(TxnDriver.class);

    final String txnId;
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
    /** The acknowledgements as last listed. */
    private List<String> acked;
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
    TxnDriver(CoordinatorCore core, String txnId, CompletableFuture<Outcome> outcome, TxnRecord record) {
        this.core = core;
        this.record = record;
        this.layout = core.layout;
        this.txnId = txnId;
        this.outcome = outcome;
        this.lease = new DriverLease(core.locks, txnId, layout.driver(txnId), this::leaseLost);
        this.ballot = new Ballot(core, txnId);
    }

    /** The operation queueing this instance's driver lease, for the begin {@code multi}. */
    CuratorOp beginOp() {
        return lease.beginOp();
    }

    /** The driver lease's fencing token while this instance holds it, else -1. */
    long leaseToken() {
        return lease.token();
    }

    /** Queues an evaluation unless one is queued already. */
    void schedule() {
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
            fail(new TransactionException(txnId, "the coordinator's ZooKeeper client was closed; another"
                    + " coordinator instance finishes the transaction"));
            return;
        }
        try {
            evaluate();
            failures = 0;
        } catch (CorruptNodeException e) {
            core.report(txnId, e.getMessage());
            fail(new TransactionException(txnId, e.getMessage()));
        } catch (Exception e) {
            if (finished || core.isClosed() || !core.zk.usable()) {
                fail(new TransactionException(txnId, "the coordinator stopped: " + e, e));
                return;
            }
            failures++;
            LOG.debug("transaction {}: step failed ({} in a row); retrying", txnId, failures, e);
            core.schedule(this::schedule, Math.min(2000, 25L << Math.min(failures, 7)));
        }
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
            record = TxnRecord.decode(txnId, data);
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
        if (driving && allAcked()) {
            collect();
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
        TxnRecord.decode(txnId, data);
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
        Decision read = Decision.decode(txnId, node.data());
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
        Zk.Created created = core.zk.create(layout.decision(txnId), next.encode(), CreateMode.PERSISTENT, stat);
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
        if (acked != null && !acksChanged) {
            return acked.containsAll(record.participants());
        }
        acksChanged = false;
        List<String> acks;
        try {
            acks = core.zk.children(layout.acks(txnId), watcher);
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
        TxnCleanup.Known known = new TxnCleanup.Known(acked, List.copyOf(ballot.voteNodesRead()), record.participants());
        if (TxnCleanup.collect(core, txnId, lease, finished, known)) {
            core.step(Step.COLLECTED, txnId);
            finish();
        }
    }

    private void gone() {
        finish();
        if (outcome != null && !outcome.isDone()) {
            core.deliver(outcome, null, new TransactionException(txnId, "the transaction's record is gone and this"
                    + " coordinator did not see its decision: either it was never written, or it ended and was"
                    + " deleted while this coordinator was cut off; its outcome, if any, is in the history"));
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
    void close() {
        finished = true;
        if (timer != null) {
            timer.cancel(false);
        }
        if (outcome != null && !outcome.isDone()) {
            outcome.completeExceptionally(new TransactionException(txnId, "the coordinator was closed before the"
                    + " decision; another coordinator instance finishes the transaction"));
        }
        lease.close();
    }
}
