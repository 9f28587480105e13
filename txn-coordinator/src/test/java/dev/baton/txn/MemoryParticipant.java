package dev.baton.txn;

import dev.baton.txn.internal.protocol.ReevaluatingTask;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.participant.BranchId;
import dev.baton.txn.participant.Participant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A participant whose "durable" state is this object: it survives a host being closed and a new
 * one started on it, as a database would. State is kept per prepare attempt. It records protocol
 * violations (a commit of an attempt that was not prepared, an abort after a commit, two committed
 * attempts of one branch) instead of throwing, so tests can assert there were none.
 */
final class MemoryParticipant implements Participant {

    enum State { PREPARED, COMMITTED, ABORTED }

    final Map<BranchId, State> attempts = new ConcurrentHashMap<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final AtomicInteger prepares = new AtomicInteger();
    volatile Function<Branch, Vote> voter = branch -> Vote.yes();
    volatile CountDownLatch gate;

    /**
     * A participant's calls may block, so the host must never make them on ZooKeeper's event
     * thread, where its events and replies are handled: one made there is a violation.
     */
    private void offEventThread(String call, Object what) {
        if (ReevaluatingTask.isZooKeeperEventThread()) {
            violations.add(call + " of " + what + " on ZooKeeper's event thread " + Thread.currentThread().getName());
        }
    }

    @Override
    public Vote prepare(Branch branch) throws InterruptedException {
        offEventThread("prepare", branch.id());
        prepares.incrementAndGet();
        CountDownLatch wait = gate;
        if (wait != null) {
            wait.await(60, TimeUnit.SECONDS);
        }
        Vote vote = voter.apply(branch);
        if (vote.isYes() && attempts.putIfAbsent(branch.id(), State.PREPARED) != null) {
            violations.add(branch.id() + ": prepared twice");
        }
        return vote;
    }

    /** When set, commits wait for it (at most a minute), so a test can hold participants between decision and ack. */
    volatile CountDownLatch commitGate;

    @Override
    public void commit(Branch branch) throws InterruptedException {
        offEventThread("commit", branch.id());
        CountDownLatch wait = commitGate;
        if (wait != null) {
            wait.await(60, TimeUnit.SECONDS);
        }
        record(branch);
    }

    private synchronized void record(Branch branch) {
        State before = attempts.put(branch.id(), State.COMMITTED);
        if (before != State.PREPARED && before != State.COMMITTED) {
            violations.add(branch.id() + ": committed from " + before);
        }
        long committed = attempts.entrySet().stream()
                .filter(e -> e.getKey().txnId().equals(branch.txnId()) && e.getValue() == State.COMMITTED).count();
        if (committed > 1) {
            violations.add(branch.txnId() + ": " + committed + " attempts committed");
        }
    }

    /** Every abort call, in order: an attempt that was never prepared is an empty rollback. */
    final List<BranchId> aborts = new CopyOnWriteArrayList<>();

    @Override
    public synchronized void abort(Branch branch) {
        offEventThread("abort", branch.id());
        aborts.add(branch.id());
        State before = attempts.get(branch.id());
        if (before == State.COMMITTED) {
            violations.add(branch.id() + ": aborted after commit");
        } else if (before == State.PREPARED) {
            attempts.put(branch.id(), State.ABORTED);
        }
    }

    @Override
    public Set<BranchId> inDoubt(String participant) {
        offEventThread("inDoubt", participant);
        return attempts.entrySet().stream().filter(e -> e.getValue() == State.PREPARED).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    /** The branch's state over its attempts: COMMITTED if one committed, else PREPARED if one is, else ABORTED; null if never prepared. */
    State state(String txnId) {
        Set<State> states = attempts.entrySet().stream().filter(e -> e.getKey().txnId().equals(txnId))
                .map(Map.Entry::getValue).collect(Collectors.toSet());
        for (State state : new State[] {State.COMMITTED, State.PREPARED, State.ABORTED}) {
            if (states.contains(state)) {
                return state;
            }
        }
        return null;
    }

    Set<String> txnIds() {
        return attempts.keySet().stream().map(BranchId::txnId).collect(Collectors.toSet());
    }

    boolean committed(String txnId) {
        return state(txnId) == State.COMMITTED;
    }

    /** Finished: no attempt left prepared. */
    boolean settled(String txnId) {
        return attempts.entrySet().stream()
                .noneMatch(e -> e.getKey().txnId().equals(txnId) && e.getValue() == State.PREPARED);
    }
}
