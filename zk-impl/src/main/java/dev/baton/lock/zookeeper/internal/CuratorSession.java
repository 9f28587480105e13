package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LockException;
import dev.baton.lock.zookeeper.ext.KeeperFaults;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.CuratorEvent;
import org.apache.curator.framework.api.CuratorEventType;
import org.apache.curator.framework.api.CuratorListener;
import org.apache.zookeeper.AsyncCallback.Create2Callback;
import org.apache.zookeeper.AsyncCallback.DataCallback;
import org.apache.zookeeper.AsyncCallback.StatCallback;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Session} on a Curator client: Curator keeps the connection, the session, its retries,
 * credentials and TLS; the lock protocol calls the current ZooKeeper handle directly, which lets
 * it send a create and the read that orders the queue back to back.
 *
 * <p>Every request is timed: an answer moves the {@link SessionClock} of the session it was sent
 * on. One ZooKeeper handle is one session (Curator makes a new handle for a new session), so the
 * clock belongs to the handle.
 *
 * <p>Thread-safe.
 */
final class CuratorSession implements Session {

    /** The current handle and its session's clock. */
    private record Current(ZooKeeper handle, SessionClock clock) {
    }

    private final CuratorFramework curator;
    private final List<ACL> acl;
    private final LongSupplier ticker;
    private final AtomicLong disconnects = new AtomicLong();
    private final CuratorListener eventThreadListener = this::eventReceived;
    private volatile @Nullable Current current;

    CuratorSession(CuratorFramework curator, List<ACL> acl, LongSupplier ticker) {
        this.curator = curator;
        this.acl = acl;
        this.ticker = ticker;
    }

    /** Starts counting disconnections. */
    void start() {
        curator.getCuratorListenable().addListener(eventThreadListener);
    }

    void stop() {
        curator.getCuratorListenable().removeListener(eventThreadListener);
    }

    CuratorFramework curator() {
        return curator;
    }

    /** The ZooKeeper handle of the current session. */
    ZooKeeper handle() {
        try {
            return curator.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            throw new LockException("no ZooKeeper connection: " + e.getMessage(), e);
        }
    }

    @Override
    public void create(String path, byte[] data, CreateMode mode, Created answer) {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        h.create(path, data, acl, mode, (Create2Callback) (rc, p, ctx, name, stat) ->
                answer(() -> answer.created(timed.answered(rc), name, stat)), null);
    }

    @Override
    public void children(String path, Listed answer) {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        h.getChildren(path, false, (rc, p, ctx, children) ->
                answer(() -> answer.listed(timed.answered(rc), children)), null);
    }

    @Override
    public void watchChildren(String path, Watcher watcher, Listed answer) {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        h.getChildren(path, watcher, (rc, p, ctx, children) ->
                answer(() -> answer.listed(timed.answered(rc), children)), null);
    }

    @Override
    public void read(String path, @Nullable Watcher watcher, Read answer) {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        h.getData(path, watcher, (DataCallback) (rc, p, ctx, data, stat) ->
                answer(() -> answer.read(timed.answered(rc), data, stat)), null);
    }

    @Override
    public void exists(String path, @Nullable Watcher watcher, Stated answer) {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        h.exists(path, watcher, (StatCallback) (rc, p, ctx, stat) ->
                answer(() -> answer.stated(timed.answered(rc), stat)), null);
    }

    @Override
    public void watchData(String path, Watcher watcher, Stated answer) {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        h.getData(path, watcher, (DataCallback) (rc, p, ctx, data, stat) ->
                answer(() -> answer.stated(timed.answered(rc), stat)), null);
    }

    @Override
    public void delete(String path, Deleted answer) {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        h.delete(path, -1, (rc, p, ctx) -> answer(() -> answer.deleted(timed.answered(rc))), null);
    }

    @Override
    public List<String> childrenNow(String path) throws KeeperException, InterruptedException {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        try {
            List<String> children = h.getChildren(path, false);
            timed.answered(Code.OK);
            return children;
        } catch (KeeperException e) {
            timed.answered(e.code());
            throw e;
        }
    }

    @Override
    public @Nullable Stat existsNow(String path) throws KeeperException, InterruptedException {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        try {
            Stat stat = h.exists(path, false);
            timed.answered(Code.OK);
            return stat;
        } catch (KeeperException e) {
            timed.answered(e.code());
            throw e;
        }
    }

    @Override
    public void deleteNow(String path) throws KeeperException, InterruptedException {
        ZooKeeper h = handle();
        Timed timed = timed(h);
        try {
            h.delete(path, -1);
            timed.answered(Code.OK);
        } catch (KeeperException e) {
            timed.answered(e.code());
            throw e;
        }
    }

    /**
     * Runs an answer from ZooKeeper. Normally that is on the client's event thread, and it runs in
     * place. But once the event thread has ended (the session expired or the handle was closed),
     * ZooKeeper runs the callbacks of requests still pending on its send thread, inside its
     * outgoing-queue lock; an answer that then waits for a lock held by a thread that is sending a
     * request (and so waits for that queue lock) deadlocks the client for good (RELIABILITY.md,
     * weak spot 14). Such answers are handed to a thread of their own, in order.
     */
    static void answer(Runnable answer) {
        if (isSendThread(Thread.currentThread())) {
            LateAnswers.EXECUTOR.execute(answer);
        } else {
            answer.run();
        }
    }

    /** ZooKeeper's {@code ClientCnxn} names its send thread {@code <prefix>-SendThread(<server>)}. */
    static boolean isSendThread(Thread thread) {
        return thread.getName().contains("-SendThread(");
    }

    /** One daemon thread for every client's late answers, made on first use: they are rare. */
    private static final class LateAnswers {
        static final java.util.concurrent.Executor EXECUTOR = java.util.concurrent.Executors.newSingleThreadExecutor(
                runnable -> {
                    Thread thread = new Thread(runnable, "baton-zk-late-answers");
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @Override
    public SessionClock clock() {
        return clockOf(handle());
    }

    /** A request about to be sent on {@code h}: its send time, for the clock of {@code h}'s session. */
    private Timed timed(ZooKeeper h) {
        SessionClock clock = clockOf(h);
        return new Timed(h, clock, clock.now());
    }

    /**
     * The clock of {@code h}'s session. A handle that is no longer Curator's current one (its
     * session ended while a request was being sent) gets a clock nobody reads: its answers must not
     * extend the leases of the next session.
     */
    private SessionClock clockOf(ZooKeeper h) {
        Current now = current;
        if (now != null && now.handle() == h) {
            return now.clock();
        }
        synchronized (this) {
            now = current;
            if (now != null && now.handle() == h) {
                return now.clock();
            }
            ZooKeeper latest;
            try {
                latest = curator.getZookeeperClient().getZooKeeper();
            } catch (Exception e) {
                latest = null;
            }
            SessionClock clock = new SessionClock(ticker);
            if (latest == h) {
                current = new Current(h, clock);
            }
            return clock;
        }
    }

    /** One request in flight: when its answer comes, the server had heard from the session after {@code sent}. */
    private record Timed(ZooKeeper handle, SessionClock clock, long sent) {

        Code answered(int rc) {
            return answered(Code.get(rc));
        }

        Code answered(Code code) {
            // Any answer from the server (an error about the data included) proves the session
            // alive when the server took the request; a connection or session error does not.
            if (code != null && KeeperFaults.classify(code) == KeeperFaults.Kind.ANSWER) {
                clock.confirmed(sent, handle.getSessionTimeout());
            }
            return code;
        }
    }

    @Override
    public boolean isConnected() {
        return curator.getZookeeperClient().isConnected();
    }

    @Override
    public long disconnects() {
        return disconnects.get();
    }

    @Override
    public long sessionId() {
        return handle().getSessionId();
    }

    /*
     * Counted through a CuratorListener because it runs on ZooKeeper's event thread, in order with
     * watch events; Curator's connection states arrive later, on a thread of their own.
     */
    private void eventReceived(CuratorFramework client, CuratorEvent event) {
        if (event.getType() == CuratorEventType.WATCHED && event.getWatchedEvent() != null
                && event.getWatchedEvent().getState() != Watcher.Event.KeeperState.SyncConnected) {
            disconnects.incrementAndGet();
        }
    }
}
