package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LockException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>Thread-safe.
 */
final class CuratorSession implements Session {

    private final CuratorFramework curator;
    private final List<ACL> acl;
    private final AtomicLong disconnects = new AtomicLong();
    private final CuratorListener eventThreadListener = this::eventReceived;

    CuratorSession(CuratorFramework curator, List<ACL> acl) {
        this.curator = curator;
        this.acl = acl;
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
        handle().create(path, data, acl, mode, (Create2Callback) (rc, p, ctx, name, stat) ->
                answer.created(Code.get(rc), name, stat), null);
    }

    @Override
    public void children(String path, Listed answer) {
        handle().getChildren(path, false, (rc, p, ctx, children) -> answer.listed(Code.get(rc), children), null);
    }

    @Override
    public void watchChildren(String path, Watcher watcher, Listed answer) {
        handle().getChildren(path, watcher, (rc, p, ctx, children) -> answer.listed(Code.get(rc), children), null);
    }

    @Override
    public void read(String path, @Nullable Watcher watcher, Read answer) {
        handle().getData(path, watcher, (DataCallback) (rc, p, ctx, data, stat) ->
                answer.read(Code.get(rc), data, stat), null);
    }

    @Override
    public void exists(String path, @Nullable Watcher watcher, Stated answer) {
        handle().exists(path, watcher, (StatCallback) (rc, p, ctx, stat) -> answer.stated(Code.get(rc), stat), null);
    }

    @Override
    public void watchData(String path, Watcher watcher, Stated answer) {
        handle().getData(path, watcher, (DataCallback) (rc, p, ctx, data, stat) ->
                answer.stated(Code.get(rc), stat), null);
    }

    @Override
    public void delete(String path, Deleted answer) {
        handle().delete(path, -1, (rc, p, ctx) -> answer.deleted(Code.get(rc)), null);
    }

    @Override
    public List<String> childrenNow(String path) throws KeeperException, InterruptedException {
        return handle().getChildren(path, false);
    }

    @Override
    public @Nullable Stat existsNow(String path) throws KeeperException, InterruptedException {
        return handle().exists(path, false);
    }

    @Override
    public void deleteNow(String path) throws KeeperException, InterruptedException {
        handle().delete(path, -1);
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
