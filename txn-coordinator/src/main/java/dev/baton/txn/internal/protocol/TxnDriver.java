package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.TxnListener;
import dev.baton.txn.internal.protocol.DriverRule.Next;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.HistoryTrim;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.internal.store.TxnStore;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transaction as one coordinator instance sees it. Every event (a vote, the decision, an
 * acknowledgement, the driver lease changing hands or being lost, the deadline, a reconnection)
 * evaluates it again: {@link DriverRule} names the next step from what this instance knows, the
 * driver carries it out through the {@link TxnStore} and comes back with what it found, until the
 * rule says to wait. The same code begins-to-ends a transaction this instance started and finishes
 * one whose coordinator died.
 *
 * <p>Only the instance holding the transaction's {@link DriverLease} reads votes, decides and
 * collects; the others watch only the lease's queue (and the decision, while a caller of theirs
 * waits), and take the lease over when its holder is gone. Safety never depends on that
 * exclusivity: the decision is one atomic {@code create}, so two drivers can only agree.
 *
 * <p>The transaction's state here moves {@code PREPARING → COMMITTED | ABORTED}
 * ({@link TransactionState#canMoveTo}); the driver ends ({@link #finish()}) once the transaction is
 * collected, found gone, or cannot be processed, or when the coordinator closes.
 *
 * <p>Thread safety: evaluations never overlap ({@link ReevaluatingTask}); events may come from any thread.
 */
public final class TxnDriver extends ReevaluatingTask {

    private static final Logger LOG = LoggerFactory.getLogger(TxnDriver.class);

    public final String txnId;
    private final CoordinatorCore core;
    private final TxnStore store;
    private final @Nullable CompletableFuture<Outcome> outcome;
    private final Watcher watcher = event -> {
        String path = event.getPath() == null ? "" : event.getPath();
        if (event.getType() == Watcher.Event.EventType.NodeCreated && path.endsWith("/decision")) {
            decisionCreated = true;
        } else if (event.getType() == Watcher.Event.EventType.NodeChildrenChanged) {
            acksChanged = true; // the record's children: an ack may be among them
        }
        schedule();
    };
    /** Told by the watch: an acknowledgement came since the last listing. */
    private volatile boolean acksChanged;
    /** Told by the watch: the decision exists, so the next read of it needs no watch. */
    private volatile boolean decisionCreated;
    /** The begin's reply was lost: until ZooKeeper shows whether it took effect, nothing is written. */
    private volatile @Nullable Exception beginUncertain;
    /** Asked once the begin provably never took effect: whether it begins the transaction anew for the caller. */
    private volatile @Nullable Predicate<TransactionException> beginAgain;
    private final DriverLease lease;
    private final Ballot ballot = new Ballot();
    private boolean someVotesReported;
    /** The takeover of this transaction was told to the listener. */
    private boolean tookOverReported;
    private TransactionState state = TransactionState.PREPARING;
    private @Nullable TxnRecord record;
    private @Nullable Decision decision;
    /** The acknowledgements as last listed, and the session that listing's watch belongs to. */
    private @Nullable List<String> acks;
    private long acksSession;
    private Set<String> heuristicAcks = Set.of();
    /**
     * What the coordinator's watch on {@code txn/} told, from its event thread: trusted while it
     * saw every event since the begin (see {@link DriverRule.Seen}).
     */
    private volatile boolean trusted;
    private final Set<String> votesSeen = ConcurrentHashMap.newKeySet();
    private final Set<String> acksSeen = ConcurrentHashMap.newKeySet();
    private final Set<String> heuristicAcksSeen = ConcurrentHashMap.newKeySet();
    private final Set<String> leaseNodesSeen = ConcurrentHashMap.newKeySet();
    private volatile boolean decisionSeen;
    private volatile boolean recordDeleted;

    /** What one evaluation has done so far. */
    private static final class Evaluation {
        boolean claimed;
        boolean driving;
        boolean queueMissing;
        boolean recordRead;
        boolean decisionRead;
        boolean acksListed;
    }

    /**
     * @param outcome the caller's future when this instance began the transaction, else null
     * @param record the record when this instance writes it, else null (it is read)
     */
    public TxnDriver(CoordinatorCore core, String txnId, @Nullable CompletableFuture<Outcome> outcome,
            @Nullable TxnRecord record) {
        super(core.executor(), 2000, true);
        this.core = core;
        this.store = core.store;
        this.record = record;
        this.txnId = txnId;
        this.outcome = outcome;
        this.lease = new DriverLease(core.locks, txnId, store.driverQueue(txnId), this::leaseLost);
    }

    /** The operation queueing this instance's driver lease, for the begin {@code multi}. */
    public Op beginOp() {
        return lease.beginOp();
    }

    /** The driver lease's fencing token while this instance holds it, else -1. */
    public long leaseToken() {
        return lease.token();
    }

    /** The coordinator's watch on {@code txn/} will tell every change from now on, and none was missed. */
    public void trustEvents() {
        trusted = true;
    }

    /** Events may have been missed (a reconnection): from now on, read. */
    public void eventsMissed() {
        trusted = false;
        lease.eventsMissed();
        schedule();
    }

    /** An event of the coordinator's watch on {@code txn/} about this transaction. */
    public void seen(TxnStore.TxnPath path, Watcher.Event.EventType type) {
        boolean created = type == Watcher.Event.EventType.NodeCreated;
        boolean deleted = type == Watcher.Event.EventType.NodeDeleted;
        switch (path.kind()) {
            case VOTE:
                if (created) {
                    votesSeen.add(path.name());
                }
                break;
            case DECISION:
                if (created) {
                    decisionSeen = true;
                    decisionCreated = true;
                }
                break;
            case ACK:
                if (created) {
                    acksSeen.add(path.name());
                }
                break;
            case HEURISTIC_ACK:
                if (created) {
                    heuristicAcksSeen.add(path.name());
                    acksSeen.add(path.name());
                }
                break;
            case LEASE:
                if (created) {
                    leaseNodesSeen.add(path.name());
                } else if (deleted) {
                    leaseNodesSeen.remove(path.name());
                    lease.nodeDeleted(store.driverQueue(txnId) + "/" + path.name());
                    if (!lease.mine()) {
                        // The driver left, or the transaction is being collected (then the
                        // record's deletion follows in the same write): look a moment later.
                        wakeIn(200);
                        return;
                    }
                }
                break;
            case RECORD:
                if (deleted) {
                    recordDeleted = true;
                }
                break;
            default:
                return;
        }
        schedule();
    }

    /**
     * Once the begin provably never took effect, {@code retry} is asked whether it begins the
     * transaction anew, under another id, for the same caller (true) or the caller is to be told
     * (false). Set before the begin is sent.
     */
    public void onNotBegun(Predicate<TransactionException> retry) {
        beginAgain = retry;
    }

    /**
     * The begin {@code multi} was answered: with its results if it took effect (the driver lease
     * is adopted from them), else null.
     */
    public void begun(@Nullable List<OpResult> results) {
        lease.begun(results);
    }

    /** The begin {@code multi} was sent, but its reply was lost: whether it took effect is unknown. */
    public void beginUncertain(Exception cause) {
        beginUncertain = cause;
    }

    private void leaseLost() {
        if (!isFinished()) {
            LOG.debug("transaction {}: the driver lease was lost; this instance stops driving it", txnId);
            schedule();
        }
    }

    /** The caller's future: present when this instance began the transaction (see {@link #callerWaiting}). */
    private CompletableFuture<Outcome> caller() {
        return known(outcome, "the caller's future");
    }

    private boolean callerWaiting() {
        return outcome != null && !outcome.isDone();
    }

    @Override
    protected CompletableFuture<Void> evaluate() {
        if (!store.usable()) {
            fail(new OutcomeUnknownException(txnId, "the coordinator's ZooKeeper client was closed before it learnt"
                    + " the decision; another coordinator instance finishes the transaction"));
            return done();
        }
        return next(new Evaluation());
    }

    private DriverRule.View view(Evaluation now) {
        // A listing made in this evaluation counts even if an ack came meanwhile: the watch's
        // event then makes one more evaluation after this one, which lists again.
        boolean acksGood = acks != null && (now.acksListed || (!acksChanged && acksSession == store.sessionId()));
        DriverRule.Seen seen = DriverRule.Seen.NOTHING;
        if (trusted) {
            // The votes before the decision: a NO's write tells of its ABORT first, so a vote seen
            // here means its ABORT, if any, is seen too.
            Set<String> votes = Set.copyOf(votesSeen);
            seen = new DriverRule.Seen(true, !leaseNodesSeen.isEmpty() && !lease.mine(), votes, decisionSeen,
                    acksSeen, recordDeleted);
        }
        return new DriverRule.View(beginUncertain != null, now.claimed, now.queueMissing, now.driving, callerWaiting(),
                record, now.recordRead, decision, now.decisionRead, ballot.votes(), acksGood ? acks : null,
                now.acksListed, core.clock.millis(), seen);
    }

    /**
     * Asks the rule for the next step and carries it out. Its stages never block, so they run on the
     * thread that delivered ZooKeeper's reply ({@link #executor()}); the one blocking step, a
     * takeover's one-shot attempt at the lease, runs on the pool.
     */
    private CompletableFuture<Void> next(Evaluation now) {
        Next next = DriverRule.next(view(now));
        switch (next.step()) {
            case RESOLVE_BEGIN:
                return resolveBegin().thenComposeAsync(begun -> begun ? next(now) : done(), executor());
            case CLAIM:
                return lease.claim(store, watcher, pool(), () -> trusted).thenComposeAsync(claim -> {
                    now.claimed = true;
                    now.driving = claim == DriverLease.Claim.DRIVING;
                    if (now.driving && lease.tookOver() && !tookOverReported) {
                        tookOverReported = true;
                        core.listener.tookOver(TxnListener.Path.DISTRIBUTED, txnId);
                    }
                    now.queueMissing = claim == DriverLease.Claim.MISSING;
                    return next(now);
                }, executor());
            case QUEUE_MISSING:
                // The queue is the record: the transaction is gone (collected, or deleted by hand).
                return gone();
            case FOLLOW:
            case WAIT_FOR_ACKS:
                if (next.step() == DriverRule.Step.WAIT_FOR_ACKS) {
                    core.step(Step.AWAITING_ACKS, txnId);
                }
                return done();
            case READ_RECORD:
                return store.record(txnId).thenComposeAsync(read -> {
                    now.recordRead = true;
                    record = read;
                    return next(now);
                }, executor());
            case RECORD_GONE:
                return gone();
            case READ_VOTES_AND_DECISION:
            case READ_DECISION:
                return readVotesAndDecision(now, next.step() == DriverRule.Step.READ_VOTES_AND_DECISION);
            case DECIDE:
                return decide(now, known(next.decision(), "the decision to make"));
            case WAIT_FOR_VOTES:
                if (trusted && now.driving && !someVotesReported && !votesSeen.isEmpty()) {
                    // A trusted driver learns of votes from events, never from the read below.
                    someVotesReported = true;
                    core.step(Step.SOME_VOTES, txnId);
                }
                if (!timerPending()) {
                    wakeIn(next.wakeAt() - core.clock.millis());
                }
                return done();
            case DELIVER:
                moveTo(known(decision, "the decision").state());
                return outcomeNow(null).thenComposeAsync(told -> {
                    core.deliver(caller(), told, null);
                    return next(now);
                }, executor());
            case LIST_ACKS:
                acksChanged = false;
                long session = store.sessionId();
                return store.acks(txnId, watcher).thenComposeAsync(listed -> {
                    now.acksListed = true;
                    acks = listed == null ? null : listed.names();
                    acksSession = session;
                    heuristicAcks = listed == null ? Set.of() : listed.heuristic();
                    return next(now);
                }, executor()).whenComplete((done, failure) -> {
                    if (failure != null) {
                        acksChanged = true;
                    }
                });
            case COLLECT:
                return collect();
            default:
                throw new IllegalStateException("no step " + next.step());
        }
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Reads the votes not read yet (if driving) and the decision in one round trip, watching both.
     * The votes are read first: a NO vote carries its ABORT, so it is then seen as decided.
     */
    private CompletableFuture<Void> readVotesAndDecision(Evaluation now, boolean withVotes) {
        TxnRecord record = known(this.record, "the record");
        return store.votesAndDecision(txnId, record, ballot.voteNodesRead(), withVotes, watcher, watcher,
                decisionCreated).thenComposeAsync(read -> {
                    now.decisionRead = true;
                    if (withVotes) {
                        ballot.take(record, read.voteNames(), read.votes(), problem -> core.report(txnId, problem));
                        if (!someVotesReported && !ballot.votes().isEmpty() && !ballot.complete(record)) {
                            someVotesReported = true;
                            core.step(Step.SOME_VOTES, txnId);
                        }
                    }
                    if (read.decision() != null) {
                        decision = read.decision().decision();
                        ballot.decidedAt(read.decision().decidedAt());
                    }
                    return next(now);
                }, executor());
    }

    private CompletableFuture<Void> decide(Evaluation now, Decision next) {
        core.step(Step.DECIDING, txnId);
        if (!lease.holds()) {
            return done();
        }
        TxnRecord record = known(this.record, "the record");
        return store.decide(txnId, next, record.participants()).thenComposeAsync(write -> {
            switch (write.created()) {
                case CREATED:
                    core.step(Step.DECIDED, txnId);
                    if (!next.commit()) {
                        // An ABORT at the deadline: read it back for its zxid, so that a vote cast
                        // after it is not counted in the outcome. A COMMIT had every vote before it.
                        decisionCreated = true;
                        now.decisionRead = false;
                        return next(now);
                    }
                    decision = next;
                    if (trusted) {
                        ballot.presumeYes(record.participants()); // a NO would have made this create fail
                    }
                    return next(now);
                case EXISTS:
                    // Someone decided first (a NO voter, a participant at its deadline): read it.
                    decisionCreated = true;
                    now.decisionRead = false;
                    return next(now);
                default:
                    return gone();
            }
        }, executor());
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
    private CompletableFuture<Boolean> resolveBegin() {
        return store.syncWithLeader(txnId).thenCompose(synced -> store.record(txnId)).thenComposeAsync(read -> {
            if (read != null) {
                if (!read.equals(record)) {
                    fail(new TransactionException(txnId, "id already taken by another transaction; nothing was"
                            + " written"));
                    return CompletableFuture.completedFuture(false);
                }
                LOG.info("transaction {}: the reply to its begin was lost ({}); ZooKeeper shows the begin took"
                        + " effect", txnId, String.valueOf(beginUncertain));
                beginUncertain = null;
                return CompletableFuture.completedFuture(true);
            }
            return store.history().lookup(txnId).thenApply(found -> {
                Exception cause = known(beginUncertain, "the lost begin's failure");
                switch (found.verdict()) {
                    case FINISHED:
                        LOG.info("transaction {}: the reply to its begin was lost; it was begun and finished"
                                + " meanwhile: {}", txnId, found.outcome());
                        finish();
                        core.deliver(caller(), found.outcome(), null);
                        break;
                    case NOT_FINISHED:
                        LOG.info("transaction {}: the reply to its begin was lost; ZooKeeper shows it never took"
                                + " effect", txnId);
                        TransactionException notBegun = new TransactionException(txnId, "the begin did not take"
                                + " effect: its reply was lost (" + cause + "), and ZooKeeper, read once that request"
                                + " could no longer be applied, holds neither the transaction nor its outcome; nothing"
                                + " was written, and it is safe to try again", cause);
                        Predicate<TransactionException> again = beginAgain;
                        finish();
                        if (callerWaiting() && (again == null || !again.test(notBegun))) {
                            core.deliver(caller(), null, notBegun);
                        }
                        break;
                    default:
                        LOG.warn("transaction {}: the reply to its begin was lost and ZooKeeper cannot tell whether"
                                + " it was begun: it is not there and its outcome is not in the history, which has"
                                + " dropped transactions this young", txnId);
                        fail(new OutcomeUnknownException(txnId, "the reply to its begin was lost (" + cause
                                + ") and the transaction is neither in ZooKeeper nor in the history, which has"
                                + " dropped transactions this young (or keeps none): it may have been begun and"
                                + " finished either way; ask its participants", cause));
                        break;
                }
                return false;
            });
        }, executor());
    }

    private void moveTo(TransactionState next) {
        if (state != next) {
            if (!state.canMoveTo(next)) {
                throw new IllegalStateException("transaction " + txnId + " cannot move from " + state + " to " + next);
            }
            state = next;
        }
    }

    /** The outcome as it stands, reading any vote not read yet (an outcome lists every vote cast before it). */
    private CompletableFuture<Outcome> outcomeNow(@Nullable Instant finishedAt) {
        TxnRecord record = known(this.record, "the record");
        Decision decision = known(this.decision, "the decision");
        CompletableFuture<Void> votes = ballot.complete(record) ? CompletableFuture.completedFuture(null)
                : store.votes(txnId, record, ballot.voteNodesRead()).thenAccept(read ->
                        ballot.take(record, List.of(), read, problem -> core.report(txnId, problem)));
        return votes.thenApply(read -> new Outcome(txnId, state, decision.reason(), record.participants(),
                ballot.castBeforeDecision(record), finishedAt));
    }

    /**
     * Deletes every node of the transaction, the driver's lease node included, and creates its
     * history entry (with the keeper's trim, if this instance keeps the history), in one write.
     */
    private CompletableFuture<Void> collect() {
        moveTo(known(decision, "the decision").state());
        Op release = lease.releaseOp();
        if (release == null) {
            return done(); // no longer the driver
        }
        List<String> acked = trusted ? List.copyOf(acksSeen) : known(acks, "the acknowledgements");
        CompletableFuture<Outcome> finished = outcomeNow(store.history().finishedNow(core.clock));
        Set<String> heuristic = trusted ? Set.copyOf(heuristicAcksSeen) : heuristicAcks;
        if (!heuristic.isEmpty()) {
            finished = finished.thenCombine(store.heuristics(txnId, heuristic), (plain, heuristics) -> {
                if (!heuristics.isEmpty()) {
                    LOG.error("transaction {} ({}) finished with HEURISTIC outcomes: {}", txnId, state, heuristics);
                }
                return new Outcome(plain.txnId(), plain.state(), plain.reason(), plain.participants(), plain.votes(),
                        plain.finishedAt().orElse(null), heuristics);
            });
        }
        TxnStore.Known known = new TxnStore.Known(acked, heuristic, trusted ? List.copyOf(votesSeen)
                : List.copyOf(ballot.voteNodesRead()));
        return finished.thenCombine(core.keeper.victims(1), (told, trim) -> new Object[] {told, trim})
                .thenComposeAsync(pair -> {
                    Outcome told = (Outcome) pair[0];
                    HistoryTrim trim = (HistoryTrim) pair[1];
                    return store.collect(txnId, known, release, release.getPath(), told, trim).whenComplete(
                            (result, failure) -> {
                                if (failure == null) {
                                    core.keeper.deleted(trim);
                                } else {
                                    core.keeper.failed(trim);
                                }
                            }).thenApply(result -> told);
                }, executor()).thenAcceptAsync(told -> {
                    lease.released();
                    core.step(Step.COLLECTED, txnId);
                    core.listener.finished(TxnListener.Path.DISTRIBUTED, told);
                    finish();
                }, executor());
    }

    /**
     * The record is gone: the transaction was collected (by any instance) after its decision.
     * A caller still waiting gets the outcome from the history; "unknown" only if the history no
     * longer holds it.
     */
    private CompletableFuture<Void> gone() {
        if (!callerWaiting()) {
            finish();
            return done();
        }
        return store.history().lookup(txnId).thenAccept(found -> {
            finish();
            if (found.verdict() == TxnHistory.Verdict.FINISHED) {
                core.deliver(caller(), found.outcome(), null);
            } else {
                core.deliver(caller(), null, new OutcomeUnknownException(txnId, "the transaction finished while this"
                        + " coordinator was cut off, and its outcome is no longer in the history"
                        + (found.verdict() == TxnHistory.Verdict.NOT_FINISHED ? " (its nodes were deleted without"
                        + " being collected: by hand?)" : " (it keeps only the last transactions, or none)")
                        + "; ask its participants"));
            }
        });
    }

    @Override
    protected boolean failed(Throwable failure, int inARow) {
        Throwable cause = TxnStore.unwrap(failure);
        if (cause instanceof CorruptNodeException) {
            core.report(txnId, String.valueOf(cause.getMessage()));
            fail(new OutcomeUnknownException(txnId, String.valueOf(cause.getMessage())));
            return false;
        }
        if (core.isClosed() || !store.usable()) {
            fail(new OutcomeUnknownException(txnId, "the coordinator stopped before it learnt the decision: " + cause,
                    cause));
            return false;
        }
        LOG.debug("transaction {}: step failed ({} in a row); retrying", txnId, inARow, cause);
        return true;
    }

    private void fail(TransactionException error) {
        finish();
        if (callerWaiting()) {
            core.deliver(caller(), null, error);
        }
    }

    @Override
    protected void finished() {
        core.forget(this);
    }

    /** Fails a waiting caller and gives up the driver lease so another instance takes over at once. */
    public void close() {
        finish();
        if (callerWaiting()) {
            caller().completeExceptionally(new OutcomeUnknownException(txnId, "the coordinator was closed before"
                    + " the decision; another coordinator instance finishes the transaction"));
        }
        lease.close();
    }

}
