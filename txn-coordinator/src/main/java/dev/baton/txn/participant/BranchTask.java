package dev.baton.txn.participant;

import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;
import dev.baton.txn.internal.protocol.ReevaluatingTask;
import dev.baton.txn.internal.protocol.SafeListener;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.store.CastVote;
import dev.baton.txn.internal.store.CorruptNodeException;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.ParticipantStore;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.internal.store.TxnStore;
import java.time.Instant;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One participant's branch of one transaction, from its inbox entry to its acknowledgement. Every
 * event evaluates it again: {@link BranchRule} names the next step from what this host instance
 * knows, the task carries it out (ZooKeeper through the store, the participant's prepare, commit
 * and abort on the host's threads) and comes back, until the rule says to wait: prepare and vote if
 * nobody voted for this participant; apply the decision once there is one; decide ABORT itself if
 * it voted YES and no decision came by the deadline plus the grace period.
 *
 * <p>The vote names the prepare attempt it vouches for: the decision is applied to that attempt,
 * and every other attempt this task knows of (its own, if another instance's vote got in first;
 * ones found prepared at start) is aborted. So two instances preparing one branch never both commit.
 *
 * <p>An "orphan" holds attempts found prepared at start with no inbox entry: it never votes or
 * acknowledges, it only follows the decision (or rolls back if the transaction is gone).
 *
 * <p>Thread safety: evaluations never overlap ({@link ReevaluatingTask}); events may come from any thread.
 */
final class BranchTask extends ReevaluatingTask {

    private static final Logger LOG = LoggerFactory.getLogger(BranchTask.class);

    final String txnId;
    /** The order in which its host made it: a listing taken before a task was made cannot speak for it. */
    final long serial;
    private final HostedParticipant host;
    private final HostCore core;
    private final ParticipantStore store;
    private final boolean orphan;
    /** Attempts prepared (a YES from this participant, or found prepared in the resource): a vote may name one. */
    private final Set<String> attempts = new HashSet<>();
    /**
     * Attempts whose prepare said NO or failed: never to be voted for, but rolled back with the
     * branch, since a prepare that failed may have left something prepared.
     */
    private final Set<String> refused = new HashSet<>();
    private final Watcher watcher = event -> {
        if (event.getType() == Watcher.Event.EventType.NodeCreated) {
            decisionCreated = true;
        }
        schedule();
    };
    /** Started by an event, which may be stale: the first read checks the inbox entry exists. */
    private volatile boolean checkEntry;
    private volatile boolean entryGone;
    /** Told by the watch: the decision exists, so the next evaluation reads it without watching. */
    private volatile boolean decisionCreated;
    /**
     * The host's inbox watch will tell this task the decision (its marker), so it need not read or
     * watch the decision, nor read its vote first: true for a task started by that watch's event,
     * until a reconnection (events may have been missed) or a decision of its own that found one there.
     */
    private volatile boolean trustMarkers;
    /** The decision, as its marker in the inbox entry told: true for COMMIT; null until then. */
    private volatile @Nullable Boolean marked;
    /** A write found the transaction's nodes gone: the next read looks at the record itself. */
    private boolean recordSuspect;
    private boolean started;
    private @Nullable TxnRecord record;
    private byte @Nullable [] payload;
    private @Nullable CastVote mine;
    /** See {@link #inDoubtSince()}. */
    private volatile long inDoubtSince;
    private volatile boolean decisionKnown;
    /** A COMMIT is known but not the vote it applies to: the next read asks for the vote even when markers are trusted. */
    private boolean voteNeeded;
    /**
     * This task stood by for another instance at some point: that instance may have left an
     * attempt prepared (it died after preparing, before voting), so applying the decision here
     * also rolls back every attempt the resource holds for the branch beyond the voted one.
     */
    private boolean standingBy;
    /** Stood by past the deadline and the grace period: this instance now handles the branch. */
    private boolean tookOver;
    /** What a participant reported when the branch had already ended otherwise than decided. */
    private @Nullable String heuristic;

    /** What one evaluation has done so far. */
    private static final class Evaluation {
        boolean read;
        boolean entryChecked;
        boolean entryExists;
        boolean recordRead;
        @Nullable Decision decision;
    }

    /**
     * @param orphanAttempts the prepared attempts of an orphan; null for an inbox entry
     * @param fromEvent started by the inbox watch's event (which may be stale: the first read checks
     *     the entry); else by a listing of the inbox
     */
    BranchTask(HostedParticipant host, String txnId, @Nullable Set<String> orphanAttempts, boolean fromEvent,
            boolean markersWatched, long serial) {
        super(host.core.executor(), 5000, true);
        this.serial = serial;
        this.host = host;
        this.checkEntry = fromEvent;
        this.trustMarkers = fromEvent && markersWatched && orphanAttempts == null;
        this.recordSuspect = !fromEvent;
        this.core = host.core;
        this.store = core.store.participants();
        this.txnId = txnId;
        this.orphan = orphanAttempts != null;
        if (orphanAttempts != null) {
            attempts.addAll(orphanAttempts);
        }
    }

    boolean isDone() {
        return isFinished();
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

    /** The inbox watch saw the decision's marker appear in this branch's entry. */
    void marked(boolean commit) {
        marked = commit;
        schedule();
    }

    /** The host reconnected: events may have been missed, so the next read looks at everything. */
    void resynced() {
        trustMarkers = false;
        schedule();
    }

    @Override
    protected CompletableFuture<Void> evaluate() {
        if (core.isClosed() || !core.store.usable()) {
            return done();
        }
        if (!started) {
            started = true;
            attempts.addAll(host.takePreparedAtStart(txnId));
        }
        return next(new Evaluation());
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Runs work that may block (the participant's own calls) on the host's pool: in place when this
     * already is one of its threads (a first evaluation run on the thread that listed the inbox, a
     * timer), so that it wakes no other thread; handed over when it is not, which is the case on
     * ZooKeeper's event thread, where this task's events and replies are handled.
     */
    private <T> CompletableFuture<T> blocking(Supplier<T> work) {
        if (!core.executor().isCurrentThread()) {
            return CompletableFuture.supplyAsync(work, pool());
        }
        try {
            return CompletableFuture.completedFuture(work.get());
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<Void> blockingRun(Runnable work) {
        return blocking(() -> {
            work.run();
            return null;
        });
    }

    private CompletableFuture<Void> next(Evaluation now) {
        Boolean told = marked;
        if (now.decision == null && told != null) {
            now.decision = told ? Decision.commit("its marker says COMMIT") : Decision.abort("its marker says ABORT");
        }
        BranchRule.View view = new BranchRule.View(orphan, attempts, host.owns(txnId), tookOver, entryGone, now.read,
                now.entryChecked, now.entryExists, record, now.recordRead, mine, now.decision, core.clock.millis(),
                core.abortGrace.toMillis());
        BranchRule.Next next = BranchRule.next(view);
        switch (next.step()) {
            case READ_RECORD_FOR_STANDBY:
                standingBy = true;
                return core.store.record(txnId).thenComposeAsync(read -> {
                    now.recordRead = true;
                    record = read;
                    return next(now);
                }, executor());
            case STAND_BY:
                standingBy = true;
                if (!timerPending()) {
                    wakeIn(next.wakeAt() - core.clock.millis());
                }
                return done();
            case TAKE_OVER:
                LOG.info("participant '{}', transaction {}: the branch is still open past its deadline and grace"
                        + " period; this instance takes it over from the instance it was assigned to", host.name, txnId);
                tookOver = true;
                return next(now);
            case ENTRY_GONE:
                // A stale event, or another instance finished the branch: nothing to do here but
                // roll back what this task prepared and nobody will ever apply (below).
                entryGone = true;
                if (!attempts.isEmpty() || !refused.isEmpty()) {
                    return blockingRun(this::rollBackOrphans).thenRun(this::finish);
                }
                finish();
                return done();
            case READ:
                return read(now);
            case VANISHED:
                return vanished();
            case ROLL_BACK_LOSERS:
                return blockingRun(this::abortLosingAttempts).thenCompose(x -> next(now));
            case APPLY: {
                Decision decided = known(now.decision, "the decision");
                if (decided.commit() && mine == null && !voteNeeded) {
                    // Told COMMIT by its marker without having read the vote: another instance of
                    // this participant cast it (and then stopped), so read which attempt it names.
                    voteNeeded = true;
                    return read(now);
                }
                decisionKnown = true;
                return apply(decided);
            }
            case ORPHAN_WAIT:
                return done();
            case VOTE_RECOVERED:
                core.step(Step.PREPARED, txnId);
                return vote(now, Vote.yes(), attempts.iterator().next());
            case VOTE_LATE:
                core.step(Step.PREPARED, txnId);
                return vote(now, Vote.no("the prepare request reached participant '" + host.name
                        + "' after the deadline"), null);
            case PREPARE: {
                String attempt = TxnNames.newAttempt();
                return blocking(() -> prepare(attempt)).thenCompose(vote -> {
                    // Only a YES makes the attempt one a vote may name: should this vote's write
                    // fail, the next evaluation must not vote YES for an attempt that said NO.
                    (vote.isYes() ? attempts : refused).add(attempt);
                    core.step(Step.PREPARED, txnId);
                    return vote(now, vote, vote.isYes() ? attempt : null);
                });
            }
            case AWAIT_DECISION:
                if (!timerPending()) {
                    wakeIn(next.wakeAt() - core.clock.millis());
                }
                return done();
            case ABORT_ITSELF:
                return abortItself(now);
            default:
                throw new IllegalStateException("no step " + next.step());
        }
    }

    /**
     * One round trip, of only what is not known yet: the inbox entry (the record's fields and the
     * payload; its existence, for a task started by an event), the record itself (an orphan's, or
     * after a write found the transaction gone), this participant's vote (before the decision: a NO
     * vote carries its ABORT) and the decision, watching for its creation. A task whose markers
     * are trusted reads neither its vote (a vote already there makes its own create fail, which
     * then reads it) nor the decision (its marker tells): its first read is the entry alone, and
     * later ones nothing.
     */
    private CompletableFuture<Void> read(Evaluation now) {
        boolean trusted = trustMarkers;
        boolean entry = !orphan && (record == null || payload == null || checkEntry);
        ParticipantStore.BranchQuery query = new ParticipantStore.BranchQuery(entry,
                orphan ? record == null : recordSuspect, mine == null && (!trusted || voteNeeded), orphan || !trusted);
        return store.read(txnId, host.name, query, watcher, decisionCreated).thenComposeAsync(found -> {
            now.read = true;
            if (entry) {
                checkEntry = false;
                now.entryChecked = true;
                now.entryExists = found.entryExists();
                if (found.payload() != null) {
                    payload = found.payload();
                }
            }
            if (query.entry() || query.record()) {
                record = found.record();
                now.recordRead = query.record();
                recordSuspect = false;
            }
            if (found.vote() != null) {
                mine = found.vote();
                noteVote();
            }
            if (found.decision() != null) {
                now.decision = found.decision().decision();
            }
            return next(now);
        }, executor());
    }

    /**
     * Writes the vote. A YES that it created is this participant's vote: the decision, read with
     * its watch in this evaluation, was not there, so the task now waits. Otherwise (a vote was
     * there, the transaction is gone, or a NO that carried its ABORT) it reads again.
     */
    private CompletableFuture<Void> vote(Evaluation now, Vote vote, @Nullable String attempt) {
        CastVote cast = new CastVote(vote, attempt);
        List<String> participants = known(record, "the record").participants();
        CompletableFuture<TxnStore.Created> written = vote.isYes() ? store.voteYes(txnId, host.name, cast)
                : store.voteNo(txnId, host.name, cast, Decision.abort("participant '" + host.name + "' voted NO: "
                        + vote.reason()), participants);
        return written.thenComposeAsync(created -> {
            core.step(Step.VOTED, txnId);
            if (created == TxnStore.Created.CREATED && vote.isYes()) {
                mine = cast;
                noteVote();
            } else {
                // Another vote was there (read it), a NO carried its ABORT, or the transaction is gone.
                trustMarkers = trustMarkers && created == TxnStore.Created.CREATED;
                recordSuspect = created == TxnStore.Created.NO_PARENT;
                now.read = false;
            }
            return next(now);
        }, executor());
    }

    private Vote prepare(String attempt) {
        long started = System.nanoTime();
        Vote vote;
        try {
            Vote given = host.participant.prepare(branch(attempt));
            vote = given == null ? Vote.no("the participant returned no vote") : given;
        } catch (Exception | Error e) {
            // A refusal is an answer, not a fault of the host: one line, the trace only on request.
            LOG.info("participant '{}' failed to prepare {}; voting NO: {}", host.name, txnId, e.toString());
            LOG.debug("participant '{}': the prepare of {} failed", host.name, txnId, e);
            vote = Vote.no("prepare failed: " + e);
        }
        core.listener.prepared(host.name, vote, SafeListener.since(started));
        return vote;
    }

    /** This participant's vote is known: a YES puts the branch in doubt until the decision is. */
    private void noteVote() {
        CastVote vote = mine;
        if (vote != null && vote.vote().isYes() && inDoubtSince == 0) {
            inDoubtSince = System.nanoTime();
        }
    }

    /**
     * When this participant's YES vote became known here ({@link System#nanoTime()}), while the
     * decision is not known here yet; 0 otherwise.
     */
    long inDoubtSince() {
        return decisionKnown || isFinished() ? 0 : inDoubtSince;
    }

    private CompletableFuture<Void> abortItself(Evaluation now) {
        CastVote mine = known(this.mine, "this participant's vote");
        String reason = mine.vote().isYes()
                ? "participant '" + host.name + "' voted YES but saw no decision by the deadline plus its grace period ("
                        + core.abortGrace + "), so it decided ABORT itself"
                : "participant '" + host.name + "' voted NO: " + mine.vote().reason();
        List<String> participants = known(record, "the record").participants();
        return core.store.decide(txnId, Decision.abort(reason), participants).thenComposeAsync(write -> {
            trustMarkers = false; // whatever was created, read the decision (or find the transaction gone)
            recordSuspect = write.created() == TxnStore.Created.NO_PARENT;
            now.read = false;
            return next(now);
        }, executor());
    }

    /**
     * Rolls back at once the attempts of ours that the vote does not name: whatever is decided,
     * they can only be aborted, and they may hold locks in the resource. Blocking: on the executor.
     */
    /**
     * The branch was acknowledged elsewhere (its inbox entry is gone): rolls back the attempts this
     * task prepared that the resource still holds prepared. The acknowledging instance applied the
     * decision to the voted attempt before it acknowledged, so an attempt still prepared now was
     * not voted, and nobody will ever apply a decision to it; one no longer prepared (perhaps the
     * voted one, committed) is left alone, since this task may not know which one was voted (its
     * vote's reply may have been lost). Without this, a host stopped between its branch's work
     * and its prepare, whose transaction another instance aborted and acknowledged meanwhile, left
     * its new attempt prepared, holding its locks, until a restart (the soak's finding,
     * RELIABILITY.md). Blocking (asks the resource).
     */
    private void rollBackOrphans() {
        Set<String> discard = host.attemptsInDoubt(txnId);
        Set<String> mineHere = new HashSet<>(attempts);
        mineHere.addAll(refused);
        discard.retainAll(mineHere);
        if (!discard.isEmpty()) {
            LOG.info("participant '{}': transaction {} is finished elsewhere; rolling back {}", host.name, txnId,
                    discard);
        }
        for (String attempt : discard) {
            finishAttempt(attempt, false);
        }
        attempts.removeAll(discard);
        refused.removeAll(discard);
    }

    private void abortLosingAttempts() {
        CastVote mine = known(this.mine, "this participant's vote");
        String voted = mine.vote().isYes() ? mine.attempt() : null;
        for (Iterator<String> it = attempts.iterator(); it.hasNext(); ) {
            String attempt = it.next();
            if (!attempt.equals(voted)) {
                finishAttempt(attempt, false);
                it.remove();
            }
        }
    }

    /** Commits the attempt the vote named (on COMMIT), aborts every other attempt known, and acknowledges. */
    private CompletableFuture<Void> apply(Decision decision) {
        String voted = mine != null && mine.vote().isYes() ? mine.attempt() : null;
        if (decision.commit() && voted == null) {
            return CompletableFuture.failedFuture(new CorruptNodeException("transaction " + txnId + " is decided"
                    + " COMMIT but participant '" + host.name + "' has no YES vote; its branch is left as it is"));
        }
        return blockingRun(() -> {
            long started = System.nanoTime();
            Set<String> discard = new HashSet<>(attempts);
            discard.addAll(refused);
            if ((discard.isEmpty() || standingBy) && !orphan) {
                discard.addAll(host.attemptsInDoubt(txnId));
            }
            if (decision.commit()) {
                if (!orphan || attempts.contains(voted)) {
                    finishAttempt(Objects.requireNonNull(voted), true);
                }
                discard.remove(voted);
            } else if (voted != null && !orphan) {
                discard.add(voted);
            }
            for (String attempt : discard) {
                finishAttempt(attempt, false);
            }
            core.listener.applied(host.name, decision.commit() ? TransactionState.COMMITTED : TransactionState.ABORTED,
                    SafeListener.since(started));
            core.step(Step.APPLIED, txnId);
        }).thenCompose(applied -> orphan ? done()
                : store.acknowledge(txnId, host.name, decision.commit(), heuristic))
                .thenRun(this::finish);
    }

    /**
     * Commits or rolls back one attempt. A {@link HeuristicOutcomeException} (the attempt already
     * ended otherwise than decided) cannot be mended by calling again: it is reported and kept
     * for the acknowledgement, and the branch goes on to be acknowledged. Blocking.
     */
    private void finishAttempt(String attempt, boolean commit) {
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
        } catch (Exception e) {
            throw new CompletionException(e);
        }
    }

    /**
     * The record is gone. If the inbox entry is gone too, an instance of this participant applied
     * the decision to the voted attempt and acknowledged, and the transaction was collected: any
     * attempt still prepared (one that lost the race to vote) is rolled back. Otherwise (an
     * orphan, or a record deleted by hand) nothing legitimate could have committed the branch
     * without this participant, so every attempt is rolled back (presumed abort) and the entry dropped.
     */
    private CompletableFuture<Void> vanished() {
        CompletableFuture<Boolean> entry = orphan ? CompletableFuture.completedFuture(true)
                : store.hasEntry(host.name, txnId);
        return entry.thenComposeAsync(presumeAbort -> {
            Set<String> discard = host.attemptsInDoubt(txnId);
            if (presumeAbort) {
                discard.addAll(attempts);
                discard.addAll(refused);
            }
            if (!discard.isEmpty()) {
                LOG.info("participant '{}': transaction {} is gone; rolling back {}", host.name, txnId, discard);
            }
            for (String attempt : discard) {
                finishAttempt(attempt, false);
            }
            return presumeAbort && !orphan ? store.dropEntry(host.name, txnId).thenApply(dropped -> (Void) null)
                    : done();
        }, pool()).thenRun(this::finish); // blocking: asks the resource and rolls back
    }

    private Branch branch(String attempt) {
        if (record == null) {
            return new Branch(txnId, host.name, attempt, new byte[0], Instant.EPOCH);
        }
        return new Branch(txnId, host.name, attempt, payload == null ? new byte[0] : payload, record.deadline());
    }

    @Override
    protected boolean failed(Throwable failure, int inARow) {
        Throwable cause = TxnStore.unwrap(failure);
        if (cause instanceof CorruptNodeException) {
            core.report(host.name + "/" + txnId, String.valueOf(cause.getMessage()));
            finish();
            return false;
        }
        if (core.isClosed() || !core.store.usable()) {
            return false;
        }
        LOG.warn("participant '{}', transaction {}: {} (attempt {}); retrying", host.name, txnId, cause, inARow);
        return true;
    }

    @Override
    protected void finished() {
        host.finished(this);
    }
}
