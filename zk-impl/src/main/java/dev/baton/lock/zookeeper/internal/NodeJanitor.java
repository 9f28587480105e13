package dev.baton.lock.zookeeper.internal;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes queue nodes that are no longer wanted (released, lost, withdrawn), and keeps trying
 * across disconnections until ZooKeeper confirms them gone. A node we leave behind would hold the
 * lock for the rest of our session, so nothing is dropped on a transient error.
 *
 * <p>Two kinds of work: a delete of a known path, and a purge of every node carrying an attempt's
 * id, for when a create's reply was lost and the node's name is unknown.
 */
final class NodeJanitor {

    private static final Logger LOG = LoggerFactory.getLogger(NodeJanitor.class);
    private static final long RETRY_MILLIS = 200;

    private record Purge(String lockPath, String attemptId) {
    }

    private final LockEngine engine;
    private final Session session;
    private final Set<String> pendingDeletes = ConcurrentHashMap.newKeySet();
    private final Set<Purge> pendingPurges = ConcurrentHashMap.newKeySet();

    NodeJanitor(LockEngine engine, Session session) {
        this.engine = engine;
        this.session = session;
    }

    /**
     * Deletes {@code path}. The future completes when ZooKeeper confirms the node gone, or at once
     * when the connection is down, in which case the delete is retried after reconnecting.
     */
    CompletableFuture<Void> delete(String path) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            session.delete(path, code -> {
                if (code != Code.OK && code != Code.NONODE) {
                    retryLater(() -> pendingDeletes.add(path), code, path);
                }
                done.complete(null);
            });
        } catch (RuntimeException e) {
            retryLater(() -> pendingDeletes.add(path), Code.CONNECTIONLOSS, path);
            done.complete(null);
        }
        return done;
    }

    /**
     * Deletes {@code path} synchronously on the calling thread, which saves the hand-off to
     * ZooKeeper's event thread that the asynchronous call costs. Not for the event thread.
     *
     * @return true if the node is gone; false if the caller should fall back to {@link #delete}
     */
    boolean deleteNow(String path) {
        if (!session.isConnected()) {
            return false;
        }
        try {
            session.deleteNow(path);
            return true;
        } catch (KeeperException.NoNodeException e) {
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (KeeperException | RuntimeException e) {
            return false;
        }
    }

    /** Deletes every node under {@code lockPath} made by the attempt {@code attemptId}. */
    void purge(String lockPath, String attemptId) {
        Purge purge = new Purge(lockPath, attemptId);
        try {
            session.children(lockPath, (code, children) -> {
                if (code == Code.OK && children != null) {
                    for (String child : children) {
                        if (QueueNode.belongsTo(child, attemptId)) {
                            delete(lockPath + "/" + child);
                        }
                    }
                } else if (code != Code.NONODE) {
                    retryLater(() -> pendingPurges.add(purge), code, lockPath);
                }
            });
        } catch (RuntimeException e) {
            retryLater(() -> pendingPurges.add(purge), Code.CONNECTIONLOSS, lockPath);
        }
    }

    /** Runs everything that waited for a connection. Called on (re)connection. */
    void drain() {
        for (String path : pendingDeletes) {
            if (pendingDeletes.remove(path)) {
                delete(path);
            }
        }
        for (Purge purge : pendingPurges) {
            if (pendingPurges.remove(purge)) {
                purge(purge.lockPath(), purge.attemptId());
            }
        }
    }

    /** Whether nothing waits for a retry (for tests). */
    boolean isIdle() {
        return pendingDeletes.isEmpty() && pendingPurges.isEmpty();
    }

    private void retryLater(Runnable enqueue, Code code, String path) {
        if (engine.isShutDown()) {
            return;
        }
        LOG.debug("will retry cleanup of {} after {}", path, code);
        enqueue.run();
        // The reconnection event may already have passed; retry on a timer as well so that
        // nothing waits for a reconnection that already happened.
        engine.schedule(() -> {
            if (session.isConnected()) {
                drain();
            }
        }, RETRY_MILLIS);
    }
}
