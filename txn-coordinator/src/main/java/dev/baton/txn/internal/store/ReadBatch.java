package dev.baton.txn.internal.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.Stat;

/**
 * Reads sent back to back on the session and awaited together: one round trip for all of them,
 * not one each. A session's requests are served in the order sent, so the reads see the nodes in
 * that order, as the same reads made one after another would (a node written meanwhile can show
 * in a later read and not in an earlier one). "Absent" is a null result; any other error is thrown
 * by {@link #await()}, for the caller's retry loop. Blocking: never await on ZooKeeper's event thread.
 */
public final class ReadBatch {

    /** A node's data and stat as one read found it. */
    public record Node(byte[] data, Stat stat) {
    }

    private final ZooKeeper zk;
    private final String namespace;
    private final long timeoutMillis;
    private final List<CompletableFuture<?>> replies = new ArrayList<>();

    public ReadBatch(CuratorFramework curator) throws Exception {
        this.zk = curator.getZookeeperClient().getZooKeeper();
        this.namespace = curator.getNamespace();
        this.timeoutMillis = curator.getZookeeperClient().getConnectionTimeoutMs() + 10_000L;
    }

    /** The node's data and stat, or null if absent (a watcher then stays behind only if the node exists). */
    public CompletableFuture<Node> data(String path, Watcher watcher) {
        CompletableFuture<Node> reply = track(new CompletableFuture<>());
        zk.getData(real(path), watcher, (rc, p, ctx, data, stat) ->
                settle(reply, rc, p, rc == KeeperException.Code.OK.intValue() ? new Node(data, stat) : null), null);
        return reply;
    }

    /** The node's children, or null if it does not exist. */
    public CompletableFuture<List<String>> children(String path, Watcher watcher) {
        CompletableFuture<List<String>> reply = track(new CompletableFuture<>());
        zk.getChildren(real(path), watcher, (rc, p, ctx, children) -> settle(reply, rc, p, children), null);
        return reply;
    }

    /** The node's stat, or null if it does not exist; the watcher fires on create, change or delete. */
    public CompletableFuture<Stat> exists(String path, Watcher watcher) {
        CompletableFuture<Stat> reply = track(new CompletableFuture<>());
        zk.exists(real(path), watcher, (rc, p, ctx, stat) -> settle(reply, rc, p, stat), null);
        return reply;
    }

    /**
     * The data and stat of a node that, once created, never changes (a decision), or null if it
     * does not exist yet, in which case {@code watcher} fires on its creation. Costs one request
     * when the guess is right: {@code likelyPresent} reads the data (no watch needed), otherwise
     * {@code exists} sets the watch; a wrong guess adds a second request, sent when the first
     * answers (a second round trip).
     */
    public CompletableFuture<Node> settledData(String path, Watcher watcher, boolean likelyPresent) {
        CompletableFuture<Node> reply = track(new CompletableFuture<>());
        if (likelyPresent) {
            zk.getData(real(path), null, (rc, p, ctx, data, stat) -> {
                if (rc == KeeperException.Code.NONODE.intValue()) {
                    existsThenData(reply, path, watcher);
                } else {
                    settle(reply, rc, p, rc == KeeperException.Code.OK.intValue() ? new Node(data, stat) : null);
                }
            }, null);
        } else {
            existsThenData(reply, path, watcher);
        }
        return reply;
    }

    private void existsThenData(CompletableFuture<Node> reply, String path, Watcher watcher) {
        zk.exists(real(path), watcher, (rc, p, ctx, stat) -> {
            if (rc == KeeperException.Code.OK.intValue()) {
                zk.getData(real(path), null, (rc2, p2, ctx2, data, stat2) ->
                        settle(reply, rc2, p2, rc2 == KeeperException.Code.OK.intValue() ? new Node(data, stat2) : null), null);
            } else {
                settle(reply, rc, p, null);
            }
        }, null);
    }

    /** Waits for every reply; afterwards each future holds its result ({@code getNow(null)}). */
    public void await() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        for (CompletableFuture<?> reply : replies) {
            try {
                reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
            }
        }
    }

    private <T> CompletableFuture<T> track(CompletableFuture<T> reply) {
        replies.add(reply);
        return reply;
    }

    private String real(String path) {
        return namespace == null || namespace.isEmpty() ? path : ZKPaths.fixForNamespace(namespace, path);
    }

    private static <T> void settle(CompletableFuture<T> reply, int rc, String path, T value) {
        KeeperException.Code code = KeeperException.Code.get(rc);
        if (code == KeeperException.Code.OK) {
            reply.complete(value);
        } else if (code == KeeperException.Code.NONODE) {
            reply.complete(null);
        } else {
            reply.completeExceptionally(KeeperException.create(code, path));
        }
    }
}
