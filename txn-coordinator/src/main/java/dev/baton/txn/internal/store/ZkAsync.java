package dev.baton.txn.internal.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.zookeeper.AddWatchMode;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * The session's asynchronous ZooKeeper calls, as futures. Curator owns the connection, the
 * session, credentials and TLS; the calls go to its current handle and are never retried here: a
 * call that fails completes its future exceptionally, and the task that made it evaluates again
 * from fresh reads. "Absent" and "already there" are values, since the protocol expects them.
 *
 * <p>Futures complete on ZooKeeper's event thread: what depends on them must not block; tasks move
 * their next step to their own executor.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
final class ZkAsync {

    /** What a create did. */
    enum Created { CREATED, EXISTS, NO_PARENT }

    /** A node's data and stat as one read found it. */
    record Node(byte[] data, Stat stat) {
    }

    private final CuratorFramework curator;
    private final List<ACL> acl;
    /** Test hook; null in production. */
    volatile TxnStore.@Nullable Resend resend;

    ZkAsync(CuratorFramework curator, List<ACL> acl) {
        this.curator = curator;
        this.acl = List.copyOf(acl);
    }

    CuratorFramework curator() {
        return curator;
    }

    List<ACL> acl() {
        return acl;
    }

    boolean usable() {
        return curator.getState() == CuratorFrameworkState.STARTED;
    }

    /**
     * Completes with true once the client is connected (at once if it is), or with false after
     * {@code timeoutMillis} without a connection.
     */
    CompletableFuture<Boolean> connected(long timeoutMillis) {
        if (curator.getZookeeperClient().isConnected()) {
            return CompletableFuture.completedFuture(true);
        }
        CompletableFuture<Boolean> reply = new CompletableFuture<>();
        org.apache.curator.framework.state.ConnectionStateListener listener = (client, state) -> {
            if (state.isConnected()) {
                reply.complete(true);
            }
        };
        curator.getConnectionStateListenable().addListener(listener);
        if (curator.getZookeeperClient().isConnected()) {
            reply.complete(true);
        }
        CompletableFuture.delayedExecutor(timeoutMillis, java.util.concurrent.TimeUnit.MILLISECONDS)
                .execute(() -> reply.complete(false));
        return reply.whenComplete((connected, failure) ->
                curator.getConnectionStateListenable().removeListener(listener));
    }

    /** The connection timeout the client was built with. */
    long connectionTimeoutMillis() {
        return curator.getZookeeperClient().getConnectionTimeoutMs();
    }

    /** The current handle (a new one after a session expired); throws if the client is closed. */
    ZooKeeper handle() {
        try {
            return curator.getZookeeperClient().getZooKeeper();
        } catch (Exception e) {
            throw new IllegalStateException("the ZooKeeper client is not usable: " + e.getMessage(), e);
        }
    }

    long sessionId() {
        try {
            return handle().getSessionId();
        } catch (IllegalStateException e) {
            return 0;
        }
    }

    /** The node's data and stat, or null if it does not exist (a watcher then stays behind only if it exists). */
    CompletableFuture<@Nullable Node> data(String path, @Nullable Watcher watcher) {
        return ZkAsync.<Node>send(reply -> {
            handle().getData(path, watcher, (rc, p, ctx, data, stat) ->
                    settle(reply, rc, p, rc == ok() ? new Node(data, stat) : null), null);
        });
    }

    /** The node's stat, or null if it does not exist; the watcher fires on its creation, change or deletion. */
    CompletableFuture<@Nullable Stat> exists(String path, @Nullable Watcher watcher) {
        return ZkAsync.<Stat>send(reply -> {
            handle().exists(path, watcher, (rc, p, ctx, stat) -> settle(reply, rc, p, stat), null);
        });
    }

    /** The node's children, or null if it does not exist. */
    CompletableFuture<@Nullable List<String>> children(String path, @Nullable Watcher watcher) {
        return ZkAsync.<List<String>>send(reply -> {
            handle().getChildren(path, watcher, (rc, p, ctx, children) -> settle(reply, rc, p, children), null);
        });
    }

    /** The node's children with the node's own stat, or null if it does not exist. */
    CompletableFuture<@Nullable Children> childrenWithStat(String path, @Nullable Watcher watcher) {
        return ZkAsync.<Children>send(reply -> {
            handle().getChildren(path, watcher, (rc, p, ctx, children, stat) ->
                    settle(reply, rc, p, rc == ok() ? new Children(children, stat) : null), null);
        });
    }

    /** Children of a node and the node's stat. */
    record Children(List<String> names, Stat stat) {
    }

    /**
     * The data and stat of a node that, once created, never changes (a decision), or null if it
     * does not exist yet, in which case {@code watcher} fires on its creation. One request when
     * {@code likelyPresent} guesses right; a wrong guess adds a second.
     */
    CompletableFuture<@Nullable Node> settledData(String path, @Nullable Watcher watcher, boolean likelyPresent) {
        if (!likelyPresent) {
            return existsThenData(path, watcher);
        }
        return data(path, null).thenCompose(node -> node != null ? CompletableFuture.completedFuture(node)
                : existsThenData(path, watcher));
    }

    private CompletableFuture<@Nullable Node> existsThenData(String path, @Nullable Watcher watcher) {
        return exists(path, watcher).thenCompose(stat -> stat == null ? CompletableFuture.completedFuture(null)
                : data(path, null));
    }

    CompletableFuture<Created> create(String path, byte[] data, CreateMode mode) {
        return createWithStat(path, data, mode).thenApply(CreateResult::created);
    }

    /** Creates a node, with the stat of the created node. */
    CompletableFuture<CreateResult> createWithStat(String path, byte[] data, CreateMode mode) {
        return createOnce(path, data, mode).thenCompose(first -> first.created() != Created.CREATED
                ? CompletableFuture.completedFuture(first)
                : again(path).thenCompose(yes -> yes ? createOnce(path, data, mode) : CompletableFuture.completedFuture(first)));
    }

    /** What a create did, with the stat of the node it created. */
    record CreateResult(Created created, @Nullable Stat stat) {
    }

    private CompletableFuture<CreateResult> createOnce(String path, byte[] data, CreateMode mode) {
        return ZkAsync.<CreateResult>send(reply -> {
            handle().create(path, data, acl, mode, (rc, p, ctx, name, stat) -> {
                KeeperException.Code code = KeeperException.Code.get(rc);
                switch (code) {
                    case OK:
                        reply.complete(new CreateResult(Created.CREATED, stat));
                        break;
                    case NODEEXISTS:
                        reply.complete(new CreateResult(Created.EXISTS, null));
                        break;
                    case NONODE:
                        reply.complete(new CreateResult(Created.NO_PARENT, null));
                        break;
                    default:
                        reply.completeExceptionally(KeeperException.create(code, p));
                }
            }, null);
        });
    }

    /** Deletes a node; false if it was already gone. */
    CompletableFuture<Boolean> delete(String path) {
        return deleteOnce(path).thenCompose(first -> !first ? CompletableFuture.completedFuture(false)
                : again(path).thenCompose(yes -> yes ? deleteOnce(path) : CompletableFuture.completedFuture(true)));
    }

    private CompletableFuture<Boolean> deleteOnce(String path) {
        return ZkAsync.<Boolean>send(reply -> {
            handle().delete(path, -1, (rc, p, ctx) -> {
                if (rc == KeeperException.Code.NONODE.intValue()) {
                    reply.complete(false);
                } else {
                    settle(reply, rc, p, true);
                }
            }, null);
        });
    }

    /** Sets a node's data whatever its version; false if the node does not exist. */
    CompletableFuture<Boolean> setData(String path, byte[] data) {
        return ZkAsync.<Boolean>send(reply -> {
            handle().setData(path, data, -1, (rc, p, ctx, stat) -> {
                if (rc == KeeperException.Code.NONODE.intValue()) {
                    reply.complete(false);
                } else {
                    settle(reply, rc, p, true);
                }
            }, null);
        });
    }

    /**
     * Runs operations as one {@code multi}: one write, all or nothing. A failed {@code multi}
     * completes with the {@link KeeperException} of its first failed operation.
     */
    CompletableFuture<List<OpResult>> multi(List<Op> ops) {
        return multiOnce(ops).thenCompose(first -> ops.isEmpty() ? CompletableFuture.completedFuture(first)
                : again(ops.get(0).getPath()).thenCompose(yes -> yes ? multiOnce(ops)
                        : CompletableFuture.completedFuture(first)));
    }

    /** Like {@link #multi}, never sent a second time even by the test hook: for the begin. */
    CompletableFuture<List<OpResult>> multiOnce(List<Op> ops) {
        return ZkAsync.<List<OpResult>>send(reply -> {
            handle().multi(ops, (rc, p, ctx, results) -> {
                if (rc == ok()) {
                    reply.complete(results);
                } else {
                    reply.completeExceptionally(multiFailure(rc, results));
                }
            }, null);
        });
    }

    /**
     * What a {@code multi} did, per operation: for a failed one, the code of the whole and each
     * operation's result (the failing operation's code, the others {@code RUNTIMEINCONSISTENCY} or
     * OK), so a caller can drop what failed and send the rest. Results are empty when the server
     * did not answer (connection loss, session expiry).
     */
    record MultiReply(KeeperException.Code code, List<OpResult> results) {

        /** The index of the first operation that failed on its own, or -1. */
        int failedIndex() {
            for (int i = 0; i < results.size(); i++) {
                if (results.get(i) instanceof OpResult.ErrorResult) {
                    int err = ((OpResult.ErrorResult) results.get(i)).getErr();
                    if (err != KeeperException.Code.OK.intValue()
                            && err != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                        return i;
                    }
                }
            }
            return -1;
        }

        /** The code of the operation at {@code index}. */
        KeeperException.Code codeOf(int index) {
            OpResult result = results.get(index);
            return result instanceof OpResult.ErrorResult
                    ? KeeperException.Code.get(((OpResult.ErrorResult) result).getErr()) : KeeperException.Code.OK;
        }
    }

    /** Sends a {@code multi} once and answers with what each operation did, success or not. */
    CompletableFuture<MultiReply> multiReply(List<Op> ops) {
        return ZkAsync.<MultiReply>send(reply -> handle().multi(ops, (rc, p, ctx, results) -> reply.complete(
                new MultiReply(KeeperException.Code.get(rc), results == null ? List.of() : results)), null));
    }

    /**
     * Sends a {@code multi} once and waits for its reply on the calling thread, which ZooKeeper's
     * I/O thread wakes directly (an asynchronous reply would pass through its event thread first):
     * for a caller that would only wait for the future anyway. Answers as {@link #multiReply}.
     *
     * @throws InterruptedException if interrupted while waiting (the request may have been sent)
     */
    MultiReply multiReplyNow(List<Op> ops) throws InterruptedException {
        try {
            return new MultiReply(KeeperException.Code.OK, handle().multi(ops));
        } catch (KeeperException e) {
            List<OpResult> results = e.getResults();
            return new MultiReply(e.code(), results == null ? List.of() : results);
        }
    }

    private static KeeperException multiFailure(int rc, List<OpResult> results) {
        KeeperException.Code code = KeeperException.Code.get(rc);
        String path = null;
        if (results != null) {
            for (OpResult result : results) {
                if (result instanceof OpResult.ErrorResult
                        && ((OpResult.ErrorResult) result).getErr() != KeeperException.Code.OK.intValue()
                        && ((OpResult.ErrorResult) result).getErr() != KeeperException.Code.RUNTIMEINCONSISTENCY.intValue()) {
                    code = KeeperException.Code.get(((OpResult.ErrorResult) result).getErr());
                    break;
                }
            }
        }
        return KeeperException.create(code, path);
    }

    /**
     * Asks the server this session talks to to catch up with the leader: reads sent after it see
     * every write the ensemble had accepted when it reached the leader, from any session.
     */
    CompletableFuture<Void> sync(String path) {
        return ZkAsync.<Void>send(reply -> {
            handle().sync(path, (rc, p, ctx) -> settle(reply, rc, p, null), null);
        });
    }

    /**
     * Adds a persistent recursive watch; false on a server older than ZooKeeper 3.6
     * (UNIMPLEMENTED).
     */
    CompletableFuture<Boolean> addPersistentRecursiveWatch(String path, Watcher watcher) {
        return ZkAsync.<Boolean>send(reply -> {
            handle().addWatch(path, watcher, AddWatchMode.PERSISTENT_RECURSIVE, (rc, p, ctx) -> {
                if (rc == KeeperException.Code.UNIMPLEMENTED.intValue()) {
                    reply.complete(false);
                } else {
                    settle(reply, rc, p, true);
                }
            }, null);
        });
    }

    /** Removes a watch, locally even if the server is unreachable. */
    void removeWatch(String path, @Nullable Watcher watcher) {
        try {
            handle().removeWatches(path, watcher, Watcher.WatcherType.Any, true, (rc, p, ctx) -> { }, null);
        } catch (RuntimeException e) {
            // the client is closing: its watches go with it
        }
    }

    /**
     * Creates a persistent node and any missing parents with empty data; an existing node is
     * fine. Looks first: a create that fails because the node exists still costs a write.
     */
    CompletableFuture<Void> ensure(String path) {
        return exists(path, null).thenCompose(stat -> stat != null ? CompletableFuture.<Void>completedFuture(null)
                : create(path, new byte[0], CreateMode.PERSISTENT).thenCompose(created -> {
                    if (created != Created.NO_PARENT) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    int slash = path.lastIndexOf('/');
                    return ensure(path.substring(0, slash)).thenCompose(parent -> ensure(path));
                }));
    }

    /**
     * Whether the test hook wants the write to {@code path} sent again; asked on a thread of its
     * own, since the hook may wait for other parties and this runs on ZooKeeper's event thread.
     */
    CompletableFuture<Boolean> again(String path) {
        TxnStore.Resend hook = resend;
        if (hook == null) {
            return CompletableFuture.completedFuture(false);
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                return hook.again(path);
            } catch (Exception e) {
                throw new IllegalStateException("the resend hook failed", e);
            }
        }, HOOK_THREADS);
    }

    private static final java.util.concurrent.Executor HOOK_THREADS = java.util.concurrent.Executors
            .newCachedThreadPool(task -> {
                Thread thread = new Thread(task, "baton-txn-resend-hook");
                thread.setDaemon(true);
                return thread;
            });

    /** Runs {@code request}, which hands {@code reply} to ZooKeeper's callback; a request that cannot be sent fails it. */
    private static <T> CompletableFuture<T> send(Consumer<CompletableFuture<T>> request) {
        CompletableFuture<T> reply = new CompletableFuture<>();
        try {
            request.accept(reply);
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
        }
        return reply;
    }

    private static int ok() {
        return KeeperException.Code.OK.intValue();
    }

    private static <T> void settle(CompletableFuture<T> reply, int rc, String path, @Nullable T value) {
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
