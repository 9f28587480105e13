package dev.baton.txn.participant;

import dev.baton.txn.Vote;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.CastVote;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.ReadBatch;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.internal.store.Zk;

import dev.baton.txn.internal.protocol.StepListener.Step;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's branch of one transaction, from its inbox entry to its acknowledgement. Like
 * the coordinator's driver, every event re-runs {@link #evaluate()}, which acts on what the znodes
 * show: prepare and vote if nobody voted for this participant; apply the decision once there is
 * one; decide ABORT itself if it voted YES and no decision came by the deadline plus the grace period.
 *
 * <p>The vote names the prepare attempt it vouches for: the decision is applied to that attempt,
 * and every other attempt this task knows of (its own, if another instance's vote got in first;
 * ones found prepared at start) is aborted. So two instances preparing one branch never both commit.
 *
 * <p>An "orphan" holds attempts found prepared at start with no inbox entry: it never votes or
 * acknowledges, it only follows the decision (or rolls back if the transaction is gone).
 */
final class BranchTask {

    private static final Logger LOG = LoggerFactory.getLogger(BranchTask.class);

    final String txnId;
    private final HostedParticipant host;
    private final HostCore core;
    private final TxnLayout layout;
    private final boolean orphan;
    private final Set<String> attempts = new HashSet<>();
    private final Watcher watcher = event -> {
        if (event.getType() == Watcher.Event.EventType.NodeCreated) {
            decisionCreated = true;
        }
        schedule();
    };
    /** Started by an event, which may be stale: the first evaluation checks the inbox entry exists. */
    private boolean checkEntry;
    private volatile boolean entryGone;
    /** Told by the watch: the decision exists, so the next evaluation reads it without watching. */
    private volatile boolean decisionCreated;
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile boolean done;
    private boolean started;
    private TxnRecord record;
    private byte[] payload;
    private CastVote mine;
    private ScheduledFuture<?> timer;
    private int failures;
    /**
     * This task stood by for another instance at some point: that instance may have left an
     * attempt prepared (it died after preparing, before voting), so applying the decision here
     * also rolls back every attempt the resource holds for the branch beyond the voted one.
     */
    private boolean standingBy;
    /** Stood by past the deadline and the grace period: this instance now handles the branch. */
    private boolean tookOver;
    /** What a participant reported when the branch had already ended otherwise than decided. */
    private String heuristic;

    /** The order in which its host made it: a listing taken before a task was made cannot speak for it. */
    final long serial;

    /** @param orphanAttempts the prepared attempts of an orphan; null for an inbox entry */
    BranchTask(HostedParticipant host, String txnId, Set<String> orphanAttempts, boolean checkEntry, long serial) {
        this.serial = serial;
        this.host = host;
        this.checkEntry = checkEntry;
        this.core = host.core;
        this.layout = core.layout;
        this.txnId = txnId;
        this.orphan = orphanAttempts != null;
        if (orphanAttempts != null) {
            attempts.addAll(orphanAttempts);
        }
    }

    boolean isDone() {
        return done;
    }

    boolean isOrphan() {
        return orphan;
    }

    /**
     * The inbox entry was deleted (this participant acknowledged, here or in another instance). A
     * task standing by for another instance ends at its next evaluation.
     */
    void entryGone() {
        entryGone = true;
        schedule();
    }

    boolean isEntryGone() {
        return entryGone;
    }

    void schedule() {
        if (!done && queued.compareAndSet(false, true)) {
            core.execute(this::run);
        }
    }

    /** Like {@link #schedule()}, on the calling thread (a host thread, never ZooKeeper's). */
    void runHere() {
        if (!done && queued.compareAndSet(false, true)) {
            run();
        }
    }

    private synchronized void run() {
        queued.set(false);
        if (done || core.isClosed() || !core.zk.usable()) {
            return;
        }
        try {
            evaluate();
            failures = 0;
        } catch (CorruptNodeException e) {
            core.report(host.name + "/" + txnId, e.getMessage());
            finish();
        } catch (Exception e) {
            if (core.isClosed() || !core.zk.usable()) {
                return;
            }
            failures++;
            LOG.warn("participant '{}', transaction {}: {} (attempt {}); retrying", host.name, txnId, e, failures);
            core.schedule(this::schedule, Math.min(5000, 25L << Math.min(failures, 8)));
        }
    }

    private void evaluate() throws Exception {
        if (!started) {
            started = true;
            attempts.addAll(host.takePreparedAtStart(txnId));
        }
        if (!orphan && attempts.isEmpty() && mine == null && !tookOver && !host.owns(txnId) && standBy()) {
            return;
        }
        // One round trip: the record, this participant's vote (before the decision: a NO vote
        // carries its ABORT), the branch's payload and the decision, watching for its creation.
        ReadBatch batch = core.zk.batch();
        CompletableFuture<org.apache.zookeeper.data.Stat> entryRead = checkEntry
                ? batch.exists(layout.inboxEntry(host.name, txnId), null) : null;
        CompletableFuture<ReadBatch.Node> recordRead = record == null ? batch.data(layout.record(txnId), null) : null;
        CompletableFuture<ReadBatch.Node> voteRead = mine == null ? batch.data(layout.vote(txnId, host.name), null) : null;
        CompletableFuture<ReadBatch.Node> payloadRead = payload == null ? batch.data(layout.branch(txnId, host.name), null)
                : null;
        CompletableFuture<ReadBatch.Node> decisionRead = batch.settledData(layout.decision(txnId), watcher,
                decisionCreated);
        batch.await();
        if (entryRead != null) {
            checkEntry = false;
            if (entryRead.getNow(null) == null) {
                // A stale event, or another instance finished the branch: nothing to do here.
                entryGone = true;
                finish();
                return;
            }
        }
        if (recordRead != null) {
            ReadBatch.Node node = recordRead.getNow(null);
            if (node == null) {
                vanished();
                return;
            }
            record = TxnCodec.record(txnId, node.data());
        }
        if (voteRead != null && voteRead.getNow(null) != null) {
            mine = TxnCodec.vote(txnId, host.name, voteRead.getNow(null).data());
        }
        if (payloadRead != null) {
            payload = payloadRead.getNow(null) == null ? new byte[0] : payloadRead.getNow(null).data();
        }
        ReadBatch.Node decided = decisionRead.getNow(null);
        if (decided == null && mine != null && !orphan) {
            abortLosingAttempts();
        }
        if (decided != null) {
            apply(TxnCodec.decision(txnId, decided.data()));
        } else if (orphan) {
            return;
        } else if (mine == null) {
            vote();
            if (mine == null) {
                schedule();
            } else {
                awaitDecision();
            }
        } else {
            awaitDecision();
        }
    }

    /**
     * Another live instance of this participant handles the branch (rendezvous hashing over the
     * live instances, {@link HostedParticipant#owns}): preparing it here too would only race with
     * it. This task stands by until that instance is gone (the live set changes and every task is
     * evaluated again), the branch is done (its inbox entry is deleted), or the deadline plus the
     * grace period passed with the branch still open: a live but stuck instance must not keep
     * the transaction from finishing, so this one then takes it over from whatever the znodes
     * show. Standing by costs one read (the record, for the deadline).
     *
     * @return true to stand by (nothing more to do now)
     */
    private boolean standBy() throws Exception {
        standingBy = true;
        if (entryGone) {
            finish();
            return true;
        }
        if (record == null) {
            byte[] data = core.zk.data(layout.record(txnId), null);
            if (data == null) {
                return false;
            }
            record = TxnCodec.record(txnId, data);
        }
        long takeOverAt = record.deadlineMillis() + core.abortGrace.toMillis();
        if (core.clock.millis() < takeOverAt) {
            if (timer == null || timer.isDone()) {
                timer = core.schedule(this::schedule, takeOverAt - core.clock.millis() + 1);
            }
            return true;
        }
        LOG.info("participant '{}', transaction {}: the branch is still open past its deadline and grace period;"
                + " this instance takes it over from the instance it was assigned to", host.name, txnId);
        tookOver = true;
        return false;
    }

    /**
     * Rolls back at once the attempts of ours that the vote does not name: whatever is decided,
     * they can only be aborted, and they may hold locks in the resource. (Another instance of
     * this participant voted first; without this they waited for the decision, or, if the
     * transaction was collected before this instance saw it, for the deadline.)
     */
    private void abortLosingAttempts() throws Exception {
        String voted = mine.vote().isYes() ? mine.attempt() : null;
        for (java.util.Iterator<String> it = attempts.iterator(); it.hasNext(); ) {
            String attempt = it.next();
            if (!attempt.equals(voted)) {
                finish(attempt, false);
                it.remove();
            }
        }
    }

    /** Voted, no decision yet: wait for it, or decide ABORT once the deadline and the grace period passed. */
    private void awaitDecision() throws Exception {
        long abortAt = record.deadlineMillis() + core.abortGrace.toMillis();
        if (!mine.vote().isYes() || core.clock.millis() >= abortAt) {
            abortItself();
            schedule();
        } else if (timer == null || timer.isDone()) {
            timer = core.schedule(this::schedule, abortAt - core.clock.millis() + 1);
        }
    }

    private void vote() throws Exception {
        String attempt;
        Vote vote;
        if (!attempts.isEmpty()) {
            attempt = attempts.iterator().next();
            vote = Vote.yes();
        } else if (core.clock.millis() >= record.deadlineMillis()) {
            attempt = null;
            vote = Vote.no("the prepare request reached participant '" + host.name + "' after the deadline");
        } else {
            attempt = TxnNames.newAttempt();
            attempts.add(attempt);
            vote = prepare(attempt);
        }
        core.step(Step.PREPARED, txnId);
        String path = layout.vote(txnId, host.name);
        byte[] data = TxnCodec.vote(new CastVote(vote, attempt));
        if (vote.isYes()) {
            Zk.Created created = core.zk.create(path, data, CreateMode.PERSISTENT);
            if (created == Zk.Created.CREATED) {
                mine = new CastVote(vote, attempt);
            } else if (created == Zk.Created.NO_PARENT) {
                record = null;
            }
        } else {
            // A NO vote carries the ABORT with it: one write, and nobody has to wait for a coordinator.
            Decision abort = Decision.abort("participant '" + host.name + "' voted NO: " + vote.reason());
            try {
                core.zk.multi(List.of(core.zk.createOp(path, data, CreateMode.PERSISTENT),
                        core.zk.createOp(layout.decision(txnId), TxnCodec.decision(abort), CreateMode.PERSISTENT)));
            } catch (KeeperException e) {
                core.zk.create(path, data, CreateMode.PERSISTENT);
            }
        }
        core.step(Step.VOTED, txnId);
    }

    private Vote prepare(String attempt) {
        try {
            Vote vote = host.participant.prepare(branch(attempt));
            return vote == null ? Vote.no("the participant returned no vote") : vote;
        } catch (Exception | Error e) {
            // A refusal is an answer, not a fault of the host: one line, the trace only on request.
            LOG.info("participant '{}' failed to prepare {}; voting NO: {}", host.name, txnId, e.toString());
            LOG.debug("participant '{}': the prepare of {} failed", host.name, txnId, e);
            return Vote.no("prepare failed: " + e);
        }
    }

    private void abortItself() throws Exception {
        String reason = mine.vote().isYes()
                ? "participant '" + host.name + "' voted YES but saw no decision by the deadline plus its grace period ("
                        + core.abortGrace + "), so it decided ABORT itself"
                : "participant '" + host.name + "' voted NO: " + mine.vote().reason();
        if (core.zk.create(layout.decision(txnId), TxnCodec.decision(Decision.abort(reason)), CreateMode.PERSISTENT)
                == Zk.Created.NO_PARENT) {
            record = null;
        }
    }

    /** Commits the attempt the vote named (on COMMIT) and aborts every other attempt known. */
    private void apply(Decision decision) throws Exception {
        String voted = mine != null && mine.vote().isYes() ? mine.attempt() : null;
        if (decision.commit() && voted == null) {
            throw new CorruptNodeException("transaction " + txnId + " is decided COMMIT but participant '"
                    + host.name + "' has no YES vote; its branch is left as it is");
        }
        Set<String> discard = new HashSet<>(attempts);
        if ((discard.isEmpty() || standingBy) && !orphan) {
            discard.addAll(host.attemptsInDoubt(txnId));
        }
        if (decision.commit()) {
            if (!orphan || attempts.contains(voted)) {
                finish(voted, true);
            }
            discard.remove(voted);
        } else if (voted != null && !orphan) {
            discard.add(voted);
        }
        for (String attempt : discard) {
            finish(attempt, false);
        }
        core.step(Step.APPLIED, txnId);
        if (!orphan) {
            acknowledge();
        }
        finish();
    }

    /**
     * Commits or rolls back one attempt. A {@link HeuristicOutcomeException} (the attempt already
     * ended otherwise than decided) cannot be mended by calling again: it is reported and kept
     * for the acknowledgement, and the branch goes on to be acknowledged.
     */
    private void finish(String attempt, boolean commit) throws Exception {
        try {
            if (commit) {
                host.participant.commit(branch(attempt));
            } else {
                host.participant.abort(branch(attempt));
            }
        } catch (HeuristicOutcomeException e) {
            String found = e.ending() + ": " + e.getMessage();
            heuristic = heuristic == null ? found : heuristic + "; " + found;
            LOG.error("participant '{}', transaction {}: HEURISTIC outcome, the {} of attempt {} found the branch"
                    + " already ended: {}", host.name, txnId, commit ? "commit" : "rollback", attempt, found);
            core.report(host.name + "/" + txnId, "heuristic outcome: " + found);
        }
    }

    /**
     * The ack and the removal of the inbox entry, in one write; done one by one if the pair fails.
     * A heuristic outcome rides in the ack's data, and bumps the version of the ack parent so that
     * the collecting driver, which lists the acks with their parent's stat, knows to read them:
     * normal acks cost no read.
     */
    private void acknowledge() throws Exception {
        String ack = layout.ack(txnId, host.name);
        String entry = layout.inboxEntry(host.name, txnId);
        byte[] data = heuristic == null ? new byte[0] : TxnCodec.ack(heuristic);
        List<CuratorOp> ops = new java.util.ArrayList<>();
        ops.add(core.zk.createOp(ack, data, CreateMode.PERSISTENT));
        ops.add(core.zk.deleteOp(entry));
        if (heuristic != null) {
            ops.add(core.zk.setDataOp(layout.acks(txnId), new byte[0], -1));
        }
        try {
            core.zk.multi(ops);
        } catch (KeeperException e) {
            if (heuristic != null) {
                // Before the ack: a driver that lists the ack must see the parent's version bumped.
                try {
                    core.zk.setData(layout.acks(txnId), new byte[0]);
                } catch (KeeperException.NoNodeException gone) {
                    // collected meanwhile: nothing left to tell
                }
            }
            core.zk.create(ack, data, CreateMode.PERSISTENT);
            core.zk.delete(entry);
        }
    }

    /**
     * The record is gone. If the inbox entry is gone too, an instance of this participant applied
     * the decision to the voted attempt and acknowledged, and the transaction was collected: any
     * attempt still prepared (one that lost the race to vote) is rolled back. Otherwise (an
     * orphan, or a record deleted by hand) nothing legitimate could have committed the branch
     * without this participant, so every attempt is rolled back (presumed abort) and the entry dropped.
     */
    private void vanished() throws Exception {
        String entry = layout.inboxEntry(host.name, txnId);
        boolean presumeAbort = orphan || core.zk.exists(entry, null) != null;
        Set<String> discard = host.attemptsInDoubt(txnId);
        if (presumeAbort) {
            discard.addAll(attempts);
        }
        if (!discard.isEmpty()) {
            LOG.info("participant '{}': transaction {} is gone; rolling back {}", host.name, txnId, discard);
        }
        for (String attempt : discard) {
            finish(attempt, false);
        }
        if (presumeAbort && !orphan) {
            core.zk.delete(entry);
        }
        finish();
    }

    private Branch branch(String attempt) {
        if (record == null) {
            return new Branch(txnId, host.name, attempt, new byte[0], Instant.EPOCH);
        }
        return new Branch(txnId, host.name, attempt, payload == null ? new byte[0] : payload, record.deadline());
    }

    private void finish() {
        done = true;
        if (timer != null) {
            timer.cancel(false);
        }
        host.finished(this);
    }
}
