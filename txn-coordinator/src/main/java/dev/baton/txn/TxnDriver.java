package dev.baton.txn;

import dev.baton.txn.StepListener.Step;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transaction as one coordinator instance sees it. Every event (a vote, a decision, the driver
 * node going away, the deadline, a reconnection) re-runs {@link #evaluate()}, which reads the
 * znodes and does the next step from whatever state they show: the same code begins-to-ends a
 * transaction this instance started and finishes one whose coordinator died.
 *
 * <p>Only the instance whose session owns {@code driver} collects votes, decides and deletes;
 * the others watch {@code driver} and take over when it disappears. Safety never depends on that
 * exclusivity: the decision is one atomic {@code create}, so two drivers can only agree.
 *
 * <p>Thread safety: {@link #evaluate()} runs under the object's lock on the coordinator's threads.
 */
final class TxnDriver {

    private static final Logger LOG = LoggerFactory.getLogger(TxnDriver.class);

    final String txnId;
    private final CoordinatorCore core;
    private final TxnLayout layout;
    private final CompletableFuture<Outcome> outcome;
    private final Watcher watcher = event -> schedule();
    private final AtomicBoolean queued = new AtomicBoolean();
    private final Map<String, Vote> votes = new LinkedHashMap<>();
    private volatile boolean finished;
    private TransactionState state = TransactionState.PREPARING;
    private TxnRecord record;
    private Decision decision;
    private boolean someVotesReported;
    private ScheduledFuture<?> timer;
    private int failures;

    /** @param outcome the caller's future when this instance began the transaction, else null */
    TxnDriver(CoordinatorCore core, String txnId, CompletableFuture<Outcome> outcome) {
        this.core = core;
        this.layout = core.layout;
        this.txnId = txnId;
        this.outcome = outcome;
    }

    /** Queues an evaluation unless one is queued already. */
    void schedule() {
        if (!finished && queued.compareAndSet(false, true)) {
            core.execute(this::run);
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
        if (record == null) {
            byte[] data = core.zk.data(layout.record(txnId), null);
            if (data == null) {
                gone();
                return;
            }
            record = TxnRecord.decode(txnId, data);
        }
        boolean driving = claim();
        if (finished) {
            return;
        }
        if (decision == null && driving) {
            readVotes(watcher);
        }
        if (decision == null) {
            decision = readDecision();
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
            decision = createDecision(next);
            if (decision == null) {
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
     * Whether this instance drives the transaction, creating the driver node if nobody does. The
     * node must hold this instance's id as well as belong to its session: several coordinators
     * (and participant hosts) may share one Curator client.
     */
    private boolean claim() throws Exception {
        String path = layout.driver(txnId);
        if (core.zk.exists(path, watcher) == null) {
            // Most often the driver node vanished because the transaction was just collected:
            // a read now spares a create that would fail (and still cost the ensemble a write).
            if (core.zk.exists(layout.record(txnId), null) == null) {
                gone();
                return false;
            }
            if (core.zk.create(path, core.instanceData, CreateMode.EPHEMERAL) == Zk.Created.CREATED) {
                LOG.debug("transaction {}: this instance ({}) drives it now", txnId, core.instanceId);
                return true;
            }
        }
        return ownsDriver();
    }

    private boolean ownsDriver() throws Exception {
        Stat stat = new Stat();
        byte[] data = core.zk.data(layout.driver(txnId), stat, null);
        return data != null && stat.getEphemeralOwner() == core.zk.sessionId()
                && java.util.Arrays.equals(data, core.instanceData);
    }

    private void readVotes(Watcher watch) throws Exception {
        List<String> names = core.zk.children(layout.votes(txnId), watch);
        if (names == null) {
            return;
        }
        for (String name : names) {
            if (votes.containsKey(name)) {
                continue;
            }
            if (!record.participants().contains(name)) {
                core.report(txnId, "a vote from '" + name + "', which is not a participant, is ignored");
                continue;
            }
            byte[] data = core.zk.data(layout.vote(txnId, name), null);
            try {
                votes.put(name, Decision.decodeVote(txnId, name, data).vote());
            } catch (CorruptNodeException e) {
                core.report(txnId, e.getMessage());
                votes.put(name, Vote.no("unreadable vote: " + e.getMessage()));
            }
        }
        if (!someVotesReported && !votes.isEmpty() && votes.size() < record.participants().size()) {
            someVotesReported = true;
            core.step(Step.SOME_VOTES, txnId);
        }
    }

    private Decision readDecision() throws Exception {
        String path = layout.decision(txnId);
        Stat stat = core.zk.exists(path, watcher);
        if (stat == null) {
            return null;
        }
        byte[] data = core.zk.data(path, watcher);
        return data == null ? null : Decision.decode(txnId, data);
    }

    /** The decision the votes and the clock call for, or null to keep waiting. */
    private Decision decide() {
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
        Zk.Created created = core.zk.create(layout.decision(txnId), next.encode(), CreateMode.PERSISTENT);
        if (created == Zk.Created.CREATED) {
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

    private void completeOutcome() throws Exception {
        if (outcome == null || outcome.isDone()) {
            return;
        }
        if (!votes.keySet().containsAll(record.participants())) {
            readVotes(null);
        }
        Map<String, Vote> cast = new LinkedHashMap<>();
        for (String participant : record.participants()) {
            if (votes.containsKey(participant)) {
                cast.put(participant, votes.get(participant));
            }
        }
        core.deliver(outcome, new Outcome(txnId, state, decision.reason(), record.participants(), cast), null);
    }

    private boolean allAcked() throws Exception {
        List<String> acks = core.zk.children(layout.acks(txnId), watcher);
        return acks != null && acks.containsAll(record.participants());
    }

    private void collect() throws Exception {
        TxnCleanup.collect(core.zk, layout, txnId);
        core.step(Step.COLLECTED, txnId);
        finish();
    }

    private void gone() {
        finish();
        if (outcome != null && !outcome.isDone()) {
            core.deliver(outcome, null, new TransactionException(txnId, "the transaction's record is gone and this"
                    + " coordinator did not see its decision: either it was never written, or it ended and was"
                    + " deleted while this coordinator was cut off; its participants applied the decision"));
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

    /** Fails a waiting caller and gives up the driver node so another instance takes over at once. */
    void close() {
        finished = true;
        if (timer != null) {
            timer.cancel(false);
        }
        if (outcome != null && !outcome.isDone()) {
            outcome.completeExceptionally(new TransactionException(txnId, "the coordinator was closed before the"
                    + " decision; another coordinator instance finishes the transaction"));
        }
        try {
            if (core.zk.usable() && ownsDriver()) {
                core.zk.delete(layout.driver(txnId));
            }
        } catch (Exception e) {
            LOG.debug("transaction {}: could not give up the driver node on close", txnId, e);
        }
    }
}
