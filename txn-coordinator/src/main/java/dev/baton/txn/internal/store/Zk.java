package dev.baton.txn.internal.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;

/**
 * The few ZooKeeper calls the protocol makes, through Curator (which retries them on connection
 * loss within its retry policy). "Absent" and "already there" are return values, since the
 * protocol expects them; anything else is thrown for the caller's retry loop. Blocking: never
 * call from ZooKeeper's event thread.
 *
 * <p>Curator's retry loop sends a write again when its reply was lost (connection loss, and also
 * session expiry: the resend then goes out on the new session). Every write made through here must
 * therefore be harmless when it arrives twice, possibly after other parties moved on; the
 * begin is the one write that is not, and it goes through {@link #multiOnce} instead. The
 * audit, write by write, is in docs/ARCHITECTURE.md ("Writes that may be sent twice").
 */
public final class Zk {

    /** What a create did. */
    public enum Created { CREATED, EXISTS, NO_PARENT }

    /**
     * A test hook standing for Curator's retry loop: told after a write took effect, it says
     * whether to send the same write once more (as after a lost reply), and may first let other
     * parties move on (expire the session, finish the transaction).
     */
    @FunctionalInterface
    public interface Resend {
        /** @param path the path of the write (of a multi's first operation) that took effect */
        boolean again(String path) throws Exception;
    }

    private final CuratorFramework curator;
    private final List<ACL> acl;
    /** Test hook; null in production. */
    public volatile Resend resend;

    public Zk(CuratorFramework curator, List<ACL> acl) {
        this.curator = curator;
        this.acl = List.copyOf(acl);
    }

    public CuratorFramework curator() {
        return curator;
    }

    /** False once the Curator client has been closed: nothing can be done through it any more. */
    public boolean usable() {
        return curator.getState() == CuratorFrameworkState.STARTED;
    }

    public long sessionId() throws Exception {
        return curator.getZookeeperClient().getZooKeeper().getSessionId();
    }

    /** The node's data, or null if it does not exist. */
    public byte[] data(String path, Watcher watcher) throws Exception {
        try {
            return watcher == null ? curator.getData().forPath(path) : curator.getData().usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** The node's data, filling in {@code stat}, or null if it does not exist (and then sets no watch). */
    public byte[] data(String path, Stat stat, Watcher watcher) throws Exception {
        try {
            return watcher == null ? curator.getData().storingStatIn(stat).forPath(path)
                    : curator.getData().storingStatIn(stat).usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** The node's stat, or null if it does not exist; the watcher (if any) fires on create, change or delete. */
    public Stat exists(String path, Watcher watcher) throws Exception {
        return watcher == null ? curator.checkExists().forPath(path)
                : curator.checkExists().usingWatcher(watcher).forPath(path);
    }

    /** The node's children, or null if it does not exist. */
    public List<String> children(String path, Watcher watcher) throws Exception {
        try {
            return watcher == null ? curator.getChildren().forPath(path)
                    : curator.getChildren().usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** The node's children, filling in the node's {@code stat}, or null if it does not exist. */
    public List<String> childrenWithStat(String path, Stat stat) throws Exception {
        return childrenWithStat(path, stat, null);
    }

    /** Like {@link #childrenWithStat(String, Stat)}, watching the children with {@code watcher} if not null. */
    public List<String> childrenWithStat(String path, Stat stat, Watcher watcher) throws Exception {
        try {
            return watcher == null ? curator.getChildren().storingStatIn(stat).forPath(path)
                    : curator.getChildren().storingStatIn(stat).usingWatcher(watcher).forPath(path);
        } catch (KeeperException.NoNodeException e) {
            return null;
        }
    }

    /** Reads to send together: one round trip for all of them. */
    public ReadBatch batch() throws Exception {
        return new ReadBatch(curator);
    }

    /** The data of each node, null for a missing one, read in one round trip (not one per node). */
    public List<byte[]> dataOf(List<String> paths) throws Exception {
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

    public Created create(String path, byte[] data, CreateMode mode) throws Exception {
        return create(path, data, mode, null);
    }

    /** Creates a node, filling in its {@code stat} if not null. Retried by Curator. */
    public Created create(String path, byte[] data, CreateMode mode, Stat stat) throws Exception {
        Created first = createOnce(path, data, mode, stat);
        return first == Created.CREATED && resendAgain(path) ? createOnce(path, data, mode, stat) : first;
    }

    private Created createOnce(String path, byte[] data, CreateMode mode, Stat stat) throws Exception {
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
    public void ensure(String path) throws Exception {
        if (curator.checkExists().forPath(path) != null) {
            return;
        }
        try {
            // Empty data: Curator's default is the client's IP address, which no reader expects.
            curator.create().creatingParentsIfNeeded().withMode(CreateMode.PERSISTENT).withACL(acl).forPath(path,
                    new byte[0]);
        } catch (KeeperException.NodeExistsException e) {
            // made earlier or by someone else: fine
        }
    }

    /** Sets a node's data, whatever its version. Retried by Curator: a resend sets the same data again. */
    public void setData(String path, byte[] data) throws Exception {
        curator.setData().forPath(path, data);
    }

    /** Deletes a node; false if it was already gone. */
    public boolean delete(String path) throws Exception {
        boolean first = deleteOnce(path);
        return first && resendAgain(path) ? deleteOnce(path) : first;
    }

    private boolean deleteOnce(String path) throws Exception {
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
    public void addPersistentRecursiveWatch(String path, Watcher watcher) throws Exception {
        curator.getZookeeperClient().getZooKeeper().addWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE);
    }

    /** Removes a watch added by {@link #addPersistentRecursiveWatch}, locally even if the server is unreachable. */
    public void removeWatch(String path, Watcher watcher) throws Exception {
        curator.getZookeeperClient().getZooKeeper().removeWatches(path, watcher, Watcher.WatcherType.Any, true);
    }

    /** Runs operations as one ZooKeeper {@code multi}: one write, all or nothing. Retried by Curator. */
    public void multi(List<CuratorOp> ops) throws Exception {
        curator.transaction().forOperations(ops);
        if (!ops.isEmpty() && resendAgain(ops.get(0).getTypeAndPath().getForPath())) {
            curator.transaction().forOperations(ops);
        }
    }

    /**
     * Runs operations as one {@code multi} sent exactly once, outside Curator's retry loop: for a
     * write that must never take effect twice. Waits up to the connection timeout for a
     * connection first, so that a write that cannot be sent fails as not sent.
     *
     * @throws NotSentException if there was no connection to send it on: nothing was written
     * @throws KeeperException as ZooKeeper answered; for an {@linkplain ZkErrors#isAmbiguous
     *     ambiguous} code the write may or may not have taken effect
     */
    public void multiOnce(List<CuratorOp> ops) throws Exception {
        if (!curator.getZookeeperClient().blockUntilConnectedOrTimedOut()) {
            throw new NotSentException("no connection to ZooKeeper within "
                    + curator.getZookeeperClient().getConnectionTimeoutMs() + " ms");
        }
        List<Op> plain = new ArrayList<>(ops.size());
        ops.forEach(op -> plain.add(op.get()));
        curator.getZookeeperClient().getZooKeeper().multi(plain);
    }

    /** A write that was never sent: no connection. Nothing was written. */
    public static final class NotSentException extends Exception {
        private static final long serialVersionUID = 1L;

        NotSentException(String message) {
            super(message);
        }
    }

    /**
     * Waits for a connection, then has the server the session talks to catch up with the leader
     * ({@code sync}), so that the reads sent after it see every write the ensemble had accepted
     * when the sync reached the leader, from any session. Combined with ZooKeeper rejecting the
     * requests of a session that moved or ended, a read after this sees the effect of any write
     * this client sent earlier on an older connection or session, or that write never takes effect.
     *
     * @throws NotSentException if no connection came within the connection timeout
     */
    public void syncWithLeader(String path) throws Exception {
        if (!curator.getZookeeperClient().blockUntilConnectedOrTimedOut()) {
            throw new NotSentException("no connection to ZooKeeper within "
                    + curator.getZookeeperClient().getConnectionTimeoutMs() + " ms");
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        curator.getZookeeperClient().getZooKeeper().sync(path, (rc, p, ctx) -> {
            if (rc == KeeperException.Code.OK.intValue()) {
                done.complete(null);
            } else {
                done.completeExceptionally(KeeperException.create(KeeperException.Code.get(rc), p));
            }
        }, null);
        try {
            done.get(curator.getZookeeperClient().getConnectionTimeoutMs() + 10_000L, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
        }
    }

    private boolean resendAgain(String path) throws Exception {
        Resend hook = resend;
        return hook != null && hook.again(path);
    }

    public CuratorOp createOp(String path, byte[] data, CreateMode mode) throws Exception {
        return curator.transactionOp().create().withMode(mode).withACL(acl).forPath(path, data);
    }

    /** Sets a node's data if its version is still {@code version}. */
    public CuratorOp setDataOp(String path, byte[] data, int version) throws Exception {
        return curator.transactionOp().setData().withVersion(version).forPath(path, data);
    }

    public CuratorOp deleteOp(String path) throws Exception {
        return curator.transactionOp().delete().forPath(path);
    }
}
