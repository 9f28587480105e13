package dev.baton.txn;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * The few ZooKeeper calls the protocol makes, through Curator (which retries them on connection
 * loss within its retry policy). "Absent" and "already there" are return values, since the
 * protocol expects them; anything else is thrown for the caller's retry loop. Blocking: never
 * call from ZooKeeper's event thread.
 */
final class Zk {

    /** What a create did. */
    enum Created { CREATED, EXISTS, NO_PARENT }

    private final CuratorFramework curator;
    private final List<ACL> acl;

    Zk(CuratorFramework curator, List<ACL> acl) {
        this.curator = curator;
        this.acl = List.copyOf(acl);
    }

    CuratorFramework curator() {
        return curator;
    }

    /** False once the Curator client has been closed: nothing can be done through it any more. */
    boolean usable() {
        return curator.getState() == CuratorFrameworkState.STARTED;
    }

    long sessionId() throws Exception {
        return curator.getZookeeperClient().getZooKeeper().getSessionId();
    }

    /** The node's data, or null if it does not exist. */
    byte[] data(String path, Watcher watcher) throws Exception {
        try {
            return watcher == null ? curator.getData().forPath(path) : curator.getData().usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** The node's data, filling in {@code stat}, or null if it does not exist (and then sets no watch). */
    byte[] data(String path, Stat stat, Watcher watcher) throws Exception {
        try {
            return watcher == null ? curator.getData().storingStatIn(stat).forPath(path)
                    : curator.getData().storingStatIn(stat).usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** The node's stat, or null if it does not exist; the watcher (if any) fires on create, change or delete. */
    Stat exists(String path, Watcher watcher) throws Exception {
        return watcher == null ? curator.checkExists().forPath(path)
                : curator.checkExists().usingWatcher(watcher).forPath(path);
    }

    /** The node's children, or null if it does not exist. */
    List<String> children(String path, Watcher watcher) throws Exception {
        try {
            return watcher == null ? curator.getChildren().forPath(path)
                    : curator.getChildren().usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** The node's children, filling in the node's {@code stat}, or null if it does not exist. */
    List<String> childrenWithStat(String path, Stat stat) throws Exception {
        try {
            return curator.getChildren().storingStatIn(stat).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** Reads to send together: one round trip for all of them. */
    ReadBatch batch() throws Exception {
        return new ReadBatch(curator);
    }

    /** The data of each node, null for a missing one, read in one round trip (not one per node). */
    List<byte[]> dataOf(List<String> paths) throws Exception {
        ReadBatch batch = batch();
        List<CompletableFuture<ReadBatch.Node>> replies = new ArrayList<>();
        for (String path : paths) {
            replies.add(batch.data(path, null));
        }
        batch.await();
        List<byte[]> contents = new ArrayList<>();
        for (CompletableFuture<ReadBatch.Node> reply : replies) {
            ReadBatch.Node node = reply.getNow(null);
            contents.add(node == null ? null : node.data());
        }
        return contents;
    }

    Created create(String path, byte[] data, CreateMode mode) throws Exception {
        return create(path, data, mode, null);
    }

    /** Creates a node, filling in its {@code stat} if not null. */
    Created create(String path, byte[] data, CreateMode mode, Stat stat) throws Exception {
        try {
            if (stat == null) {
                curator.create().withMode(mode).withACL(acl).forPath(path, data);
            } else {
                curator.create().storingStatIn(stat).withMode(mode).withACL(acl).forPath(path, data);
            }
            return Created.CREATED;
        } catch (KeeperException.NodeExistsException e) {
            return Created.EXISTS;
        } catch (KeeperException.NoNodeException e) {
            return Created.NO_PARENT;
        }
    }

    /**
     * Creates a persistent node and any missing parents; an existing node is fine. Looks first: a
     * create that fails because the node exists still costs the ensemble a write.
     */
    void ensure(String path) throws Exception {
        if (curator.checkExists().forPath(path) != null) {
            return;
        }
        try {
            curator.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).withACL(acl).forPath(path);
        } catch (KeeperException.NodeExistsException e) {
            // made earlier or by someone else: fine
        }
    }

    /** Deletes a node; false if it was already gone. */
    boolean delete(String path) throws Exception {
        try {
            curator.delete().forPath(path);
            return true;
        } catch (KeeperException.NoNodeException e) {
            return false;
        }
    }

    /**
     * Adds a persistent recursive watch on {@code path}: every creation and deletion below it
     * reaches {@code watcher}, with its path, until removed or the session ends.
     *
     * @throws KeeperException.UnimplementedException on a server older than ZooKeeper 3.6
     */
    void addPersistentRecursiveWatch(String path, Watcher watcher) throws Exception {
        curator.getZookeeperClient().getZooKeeper().addWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE);
    }

    /** Removes a watch added by {@link #addPersistentRecursiveWatch}, locally even if the server is unreachable. */
    void removeWatch(String path, Watcher watcher) throws Exception {
        curator.getZookeeperClient().getZooKeeper().removeWatches(path, watcher, Watcher.WatcherType.Any, true);
    }

    /** Runs operations as one ZooKeeper {@code multi}: one write, all or nothing. */
    void multi(List<CuratorOp> ops) throws Exception {
        curator.transaction().forOperations(ops);
    }

    CuratorOp createOp(String path, byte[] data, CreateMode mode) throws Exception {
        return curator.transactionOp().create().withMode(mode).withACL(acl).forPath(path, data);
    }

    CuratorOp deleteOp(String path) throws Exception {
        return curator.transactionOp().delete().forPath(path);
    }
}
