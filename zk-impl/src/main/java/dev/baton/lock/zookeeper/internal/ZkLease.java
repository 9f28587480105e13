package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.Lease;
import dev.baton.lock.LossReason;
import dev.baton.lock.spi.LossSignal;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * A held ZooKeeper lock: our queue node at the head of its queue.
 *
 * <pre>
 *  HELD --release()--> RELEASED
 *    |\--the holder's own multi deleted the node (releaseOp, markReleased)--> RELEASED
 *    \---connection suspended / session lost / session deadline passed / node deleted / client closed--> LOST
 * </pre>
 * Both end states are terminal. The node is deleted on either transition (retried across
 * disconnections by the {@link NodeJanitor}), except when the holder's multi already deleted it
 * or someone else did.
 *
 * <p>The lease keeps the {@link SessionClock} of the session that owns its node: past the clock's
 * deadline the session may have expired on the server, so {@link #isValid()} and
 * {@link #fencingToken()} end the lease there and then, as the Redis lease does at its own
 * deadline, without waiting for the {@link SessionKeeper}'s timer or for ZooKeeper's threads (which
 * a process pause stops as well).
 */
final class ZkLease implements Lease, LossSignal {

    private enum State { HELD, RELEASED, LOST }

    private static final long RELEASE_WAIT_MILLIS = 10_000;

    private final LockEngine engine;
    private final String lockName;
    private final String path;
    private final long token;
    private final SessionClock clock;
    private final AtomicReference<State> state = new AtomicReference<>(State.HELD);
    private final CompletableFuture<LossReason> lost = new CompletableFuture<>();
    private final AtomicBoolean watchingNode = new AtomicBoolean();
    private volatile @Nullable LossReason lossReason;
    /** Set when the holder put the delete of our node into its own multi: a deletion is then our release. */
    private volatile boolean releasingInCallersMulti;

    ZkLease(LockEngine engine, String lockName, String path, long token, SessionClock clock) {
        this.engine = engine;
        this.lockName = lockName;
        this.path = path;
        this.token = token;
        this.clock = clock;
    }

    @Override
    public String lockName() {
        return lockName;
    }

    @Override
    public long fencingToken() {
        expireIfDue();
        State now = state.get();
        if (now == State.RELEASED) {
            throw new IllegalStateException("the lease on lock '" + lockName + "' was released; its token is stale");
        }
        if (now == State.LOST) {
            throw new IllegalStateException("the lease on lock '" + lockName + "' was lost (" + lossReason
                    + "); its token is stale");
        }
        return token;
    }

    @Override
    public boolean isValid() {
        expireIfDue();
        return state.get() == State.HELD;
    }

    /** Ends the lease if its session may have expired by now. */
    private void expireIfDue() {
        if (state.get() == State.HELD && clock.isPast()) {
            markLost(LossReason.SESSION_EXPIRED);
        }
    }

    SessionClock clock() {
        return clock;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The first call also watches the lease's node, so that a deletion by anyone else (an
     * operator, a misbehaving client) is reported as {@link LossReason#TAKEN_OVER}. The watch is
     * set only when someone listens because it costs a request and a notification per lease, a
     * large share of an uncontended acquire's price.
     */
    @Override
    public CompletableFuture<LossReason> lost() {
        expireIfDue();
        if (state.get() == State.HELD && watchingNode.compareAndSet(false, true)) {
            watchOwnNode();
        }
        return lost.copy();
    }

    /** The losses the client sees anyway, without the node watch that {@link #lost()} sets up. */
    @Override
    public CompletableFuture<LossReason> lossSignal() {
        return lost.copy();
    }

    @Override
    public void release() {
        if (!state.compareAndSet(State.HELD, State.RELEASED)) {
            return;
        }
        engine.unregister(this);
        engine.successors().releasing(path);
        if (!engine.janitor().deleteNow(path)) {
            // the janitor keeps trying; release() promises not to throw for backend faults
            CompletableFuture<Void> deleted = engine.janitor().delete(path);
            try {
                deleted.get(RELEASE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // still queued in the janitor
            }
        }
    }

    @Override
    public void close() {
        release();
    }

    /** Releases without waiting: for use on ZooKeeper's event thread. */
    void releaseInBackground() {
        if (state.compareAndSet(State.HELD, State.RELEASED)) {
            engine.unregister(this);
            engine.successors().releasing(path);
            engine.janitor().delete(path);
        }
    }

    /**
     * Declares the lease lost and deletes its node (if the session still has it, it would hold the
     * lock for nobody). Does nothing if the lease has already ended.
     *
     * @return completes when the delete was answered or deferred
     */
    CompletableFuture<Void> markLost(LossReason reason) {
        if (!state.compareAndSet(State.HELD, State.LOST)) {
            return CompletableFuture.completedFuture(null);
        }
        lossReason = reason;
        engine.unregister(this);
        CompletableFuture<Void> deleted = reason == LossReason.TAKEN_OVER
                ? CompletableFuture.completedFuture(null)
                : engine.janitor().delete(path);
        engine.deliver(() -> lost.complete(reason));
        return deleted;
    }

    /**
     * The holder is about to delete our node in its own multi ({@link LockEngine#releaseOp}):
     * from now on the node's deletion is that release, not a loss to report.
     */
    void expectReleaseByCaller() {
        releasingInCallersMulti = true;
    }

    /**
     * Ends the lease as released without deleting anything: the holder's own multi deleted the node.
     *
     * @return false if the lease had already ended (released, or lost meanwhile)
     */
    boolean markReleasedByCaller() {
        if (!state.compareAndSet(State.HELD, State.RELEASED)) {
            return false;
        }
        engine.unregister(this);
        return true;
    }

    /** Tells us if someone else deletes our node (an operator, a misbehaving client). */
    private void watchOwnNode() {
        Session session = engine.session();
        long id;
        try {
            id = session.sessionId();
        } catch (RuntimeException e) {
            return; // disconnected: the connection listener decides what happens to this lease
        }
        // A node that vanished because our session ended is the connection listener's to report
        // (SESSION_EXPIRED); only a deletion seen from the session that owns it is TAKEN_OVER.
        Runnable gone = () -> {
            boolean sameSession;
            try {
                sameSession = session.isConnected() && session.sessionId() == id;
            } catch (RuntimeException e) {
                // The client closed as the event came: a watcher must not throw into ZooKeeper's
                // event thread, and closing decides what happens to this lease.
                return;
            }
            if (sameSession) {
                nodeGone();
            }
        };
        Watcher watcher = event -> {
            if (event.getType() == Watcher.Event.EventType.NodeDeleted) {
                gone.run();
            }
        };
        try {
            session.exists(path, watcher, (code, stat) -> {
                if (code == Code.NONODE) {
                    gone.run();
                }
            });
        } catch (RuntimeException e) {
            // disconnected: the connection listener decides what happens to this lease
        }
    }

    private void nodeGone() {
        if (releasingInCallersMulti) {
            // The holder's multi deleted it; the watch event can beat the multi's reply.
            markReleasedByCaller();
        } else {
            markLost(LossReason.TAKEN_OVER);
        }
    }

    String path() {
        return path;
    }

    LockEngine engine() {
        return engine;
    }

    @Override
    public String toString() {
        return "Lease[" + lockName + ", token=" + token + ", " + state.get() + "]";
    }
}
