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
    /** Group commit of this session's writes; null when every write goes out on its own. */
    private final @Nullable WriteGroup group;
    /** This session's {@link #dataGrouped} reads, many in one read-only {@code multi}; null with {@link #group}. */
    private final @Nullable ReadGroup reads;
    /** Test hook; null in production. */
    volatile TxnStore.@Nullable Resend resend;

    ZkAsync(CuratorFramework curator, List<ACL> acl) {
        this(curator, acl, false);
    }

    /**
     * @param groupWrites whether writes go through {@link WriteGroup}: one {@code multi} in flight
     *     at a time, the writes made meanwhile sent together in the next
     */
    ZkAsync(CuratorFramework curator, List<ACL> acl, boolean groupWrites) {
        this.curator = curator;
        this.acl = List.copyOf(acl);
        this.group = groupWrites ? new WriteGroup() : null;
        this.reads = groupWrites ? new ReadGroup() : null;
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

    /**
     * As {@link #data} with no watch, but sent with this session's other such reads: one read is
     * in flight at a time, and those made meanwhile go together in the next, as one read-only
     * {@code multi} (ZooKeeper 3.6+; one by one on an older server). Alone, a read is sent at once.
     */
    CompletableFuture<@Nullable Node> dataGrouped(String path) {
        if (reads == null) {
            return data(path, null);
        }
        CompletableFuture<@Nullable Node> reply = new CompletableFuture<>();
        try {
            reads.submit(new Read(handle(), path, reply));
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
        }
        return reply;
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
        if (group != null && !mode.isEphemeral()) {
            return grouped(List.of(Op.create(path, data, acl, mode)), path.length() + data.length, (reply, code, results) -> {
                switch (code == KeeperException.Code.OK ? code : opCode(code, results)) {
                    case OK:
                        reply.complete(new CreateResult(Created.CREATED, null));
                        break;
                    case NODEEXISTS:
                        reply.complete(new CreateResult(Created.EXISTS, null));
                        break;
                    case NONODE:
                        reply.complete(new CreateResult(Created.NO_PARENT, null));
                        break;
                    default:
                        reply.completeExceptionally(KeeperException.create(opCode(code, results), path));
                }
            });
        }
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
        if (group != null) {
            return grouped(List.of(Op.delete(path, -1)), path.length(), (reply, code, results) ->
                    absentOrDone(reply, opCode(code, results), path));
        }
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
        if (group != null) {
            return grouped(List.of(Op.setData(path, data, -1)), path.length() + data.length, (reply, code, results) ->
                    absentOrDone(reply, opCode(code, results), path));
        }
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
        if (group != null) {
            return grouped(ops, size(ops), (reply, code, results) -> {
                if (code == KeeperException.Code.OK && results != null) {
                    reply.complete(results);
                } else {
                    reply.completeExceptionally(multiFailure(code.intValue(), results));
                }
            });
        }
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
        if (group != null) {
            return grouped(ops, size(ops), (reply, code, results) ->
                    reply.complete(new MultiReply(code, results == null ? List.of() : results)));
        }
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

    private static KeeperException multiFailure(int rc, @Nullable List<OpResult> results) {
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

    /** Completes a delete or a setData: true if done, false if the node was not there. */
    private static void absentOrDone(CompletableFuture<Boolean> reply, KeeperException.Code code, String path) {
        if (code == KeeperException.Code.OK) {
            reply.complete(true);
        } else if (code == KeeperException.Code.NONODE) {
            reply.complete(false);
        } else {
            reply.completeExceptionally(KeeperException.create(code, path));
        }
    }

    /** The code of a one-operation write sent as a {@code multi}: its operation's own, else the whole's. */
    private static KeeperException.Code opCode(KeeperException.Code code, @Nullable List<OpResult> results) {
        if (code != KeeperException.Code.OK && results != null && results.size() == 1
                && results.get(0) instanceof OpResult.ErrorResult) {
            return KeeperException.Code.get(((OpResult.ErrorResult) results.get(0)).getErr());
        }
        return code;
    }

    /** About how many bytes {@code ops} take in a request: paths and data. */
    private static int size(List<Op> ops) {
        int bytes = 0;
        for (Op op : ops) {
            bytes += op.getPath().length() + 16;
            if (op.toRequestRecord() instanceof org.apache.zookeeper.proto.CreateRequest create) {
                bytes += create.getData() == null ? 0 : create.getData().length;
            } else if (op.toRequestRecord() instanceof org.apache.zookeeper.proto.SetDataRequest set) {
                bytes += set.getData() == null ? 0 : set.getData().length;
            }
        }
        return bytes;
    }

    /** What a grouped write does with its answer: the code, and its own results (null if none came). */
    @FunctionalInterface
    private interface Answer<T> {
        void accept(CompletableFuture<T> reply, KeeperException.Code code, @Nullable List<OpResult> results);
    }

    private <T> CompletableFuture<T> grouped(List<Op> ops, int bytes, Answer<T> answer) {
        CompletableFuture<T> reply = new CompletableFuture<>();
        WriteGroup writes = java.util.Objects.requireNonNull(group);
        try {
            writes.submit(new Write(handle(), ops, bytes, (code, results) -> answer.accept(reply, code, results),
                    reply::completeExceptionally));
        } catch (RuntimeException e) {
            reply.completeExceptionally(e);
        }
        return reply;
    }

    /** One write of a {@link WriteGroup}: its operations, sent as one {@code multi} on the handle it was made on. */
    private record Write(ZooKeeper handle, List<Op> ops, int bytes,
            java.util.function.BiConsumer<KeeperException.Code, @Nullable List<OpResult>> answered,
            Consumer<RuntimeException> failed) {

        /** Sends this write on its own; {@code then} runs once it is answered, before the answer is delivered. */
        void sendAlone(@Nullable Runnable then) {
            try {
                handle.multi(ops, (rc, p, ctx, results) -> {
                    if (then != null) {
                        then.run();
                    }
                    answered.accept(KeeperException.Code.get(rc), results);
                }, null);
            } catch (RuntimeException e) {
                if (then != null) {
                    then.run();
                }
                failed.accept(e);
            }
        }
    }

    /**
     * Group commit of one session's writes. One {@code multi} is in flight at a time; the writes
     * made meanwhile wait, and go together, in order, in the next (up to {@link #MAX_OPS}
     * operations and {@link #MAX_BYTES}, and only writes made on the same handle, so none moves to
     * a new session). Alone, a write is sent at once: no timer, no latency added when idle.
     *
     * <p>What each write is told is what it would have been told alone. A {@code multi} is applied
     * whole or not at all: applied, each write gets its own slice of the results; not answered
     * (connection loss, session expiry), each gets that code, and looks up what happened as it would
     * have; refused (some operation failed, so nothing was applied), each write is sent again on its
     * own, in order, before the next group, and gets its own answer. So no write's outcome depends
     * on another's, and writes go out in the order they were made.
     */
    private static final class WriteGroup {

        static final int MAX_OPS = 256;
        static final int MAX_BYTES = 256 * 1024;

        private final java.util.ArrayDeque<Write> queue = new java.util.ArrayDeque<>();
        private boolean inFlight;

        void submit(Write write) {
            synchronized (this) {
                if (inFlight) {
                    queue.add(write);
                    return;
                }
                inFlight = true;
            }
            send(List.of(write));
        }

        private void send(List<Write> batch) {
            if (batch.size() == 1) {
                batch.get(0).sendAlone(this::next);
                return;
            }
            List<Op> all = new java.util.ArrayList<>();
            batch.forEach(write -> all.addAll(write.ops()));
            try {
                batch.get(0).handle().multi(all, (rc, p, ctx, results) -> {
                    KeeperException.Code code = KeeperException.Code.get(rc);
                    if (code == KeeperException.Code.OK && results != null && results.size() == all.size()) {
                        next();
                        int from = 0;
                        for (Write write : batch) {
                            write.answered().accept(code, List.copyOf(results.subList(from, from + write.ops().size())));
                            from += write.ops().size();
                        }
                    } else if (results == null || results.size() != all.size()) {
                        next(); // not answered: the same for every write of the group
                        batch.forEach(write -> write.answered().accept(code, null));
                    } else {
                        batch.forEach(write -> write.sendAlone(null)); // refused: nothing applied
                        next();
                    }
                }, null);
            } catch (RuntimeException e) { // an operation the client itself refuses: each on its own
                batch.forEach(write -> write.sendAlone(null));
                next();
            }
        }

        /** Sends what was queued while the last group was in flight, or ends the flight. */
        private void next() {
            List<Write> batch = new java.util.ArrayList<>();
            synchronized (this) {
                Write first = queue.poll();
                if (first == null) {
                    inFlight = false;
                    return;
                }
                batch.add(first);
                int ops = first.ops().size();
                int bytes = first.bytes();
                for (Write write = queue.peek(); write != null; write = queue.peek()) {
                    if (write.handle() != first.handle() || ops + write.ops().size() > MAX_OPS
                            || bytes + write.bytes() > MAX_BYTES) {
                        break;
                    }
                    batch.add(queue.poll());
                    ops += write.ops().size();
                    bytes += write.bytes();
                }
            }
            send(batch);
        }
    }

    /** One read of a {@link ReadGroup}. */
    private record Read(ZooKeeper handle, String path, CompletableFuture<@Nullable Node> reply) {

        /** Sends this read on its own; {@code then} runs once it is answered, before the answer is delivered. */
        void sendAlone(Runnable then) {
            try {
                handle.getData(path, null, (rc, p, ctx, data, stat) -> {
                    then.run();
                    settle(reply, rc, p, rc == ok() ? new Node(data, stat) : null);
                }, null);
            } catch (RuntimeException e) {
                then.run();
                reply.completeExceptionally(e);
            }
        }

        void answer(OpResult result) {
            if (result instanceof OpResult.GetDataResult) {
                OpResult.GetDataResult found = (OpResult.GetDataResult) result;
                reply.complete(new Node(found.getData(), found.getStat()));
            } else {
                int code = result instanceof OpResult.ErrorResult ? ((OpResult.ErrorResult) result).getErr()
                        : KeeperException.Code.SYSTEMERROR.intValue();
                settle(reply, code, path, null);
            }
        }
    }

    /**
     * The reads of one session that wait while another is in flight, sent together as one
     * read-only {@code multi}: each gets what a {@code getData} alone would have answered (the
     * operations of a read-only {@code multi} succeed or fail one by one). Only reads made on the
     * same handle go together. On a server older than 3.6 (UNIMPLEMENTED), every read is sent on
     * its own from then on. Like {@link WriteGroup}, a read alone is sent at once.
     */
    private static final class ReadGroup {

        static final int MAX_READS = 128;

        private final java.util.ArrayDeque<Read> queue = new java.util.ArrayDeque<>();
        private boolean inFlight;
        private volatile boolean oneByOne;

        void submit(Read read) {
            synchronized (this) {
                if (inFlight) {
                    queue.add(read);
                    return;
                }
                inFlight = true;
            }
            send(List.of(read));
        }

        private void send(List<Read> batch) {
            if (batch.size() == 1 || oneByOne) {
                java.util.concurrent.atomic.AtomicInteger left = new java.util.concurrent.atomic.AtomicInteger(batch.size());
                batch.forEach(read -> read.sendAlone(() -> {
                    if (left.decrementAndGet() == 0) {
                        next();
                    }
                }));
                return;
            }
            List<Op> ops = new java.util.ArrayList<>(batch.size());
            batch.forEach(read -> ops.add(Op.getData(read.path())));
            try {
                batch.get(0).handle().multi(ops, (rc, p, ctx, results) -> {
                    if (results != null && results.size() == batch.size()) {
                        next(); // the code is the first failed read's: each read has its own result
                        for (int i = 0; i < batch.size(); i++) {
                            batch.get(i).answer(results.get(i));
                        }
                    } else if (rc == KeeperException.Code.UNIMPLEMENTED.intValue()) {
                        oneByOne = true;
                        send(batch);
                    } else {
                        next(); // not answered: the same for every read
                        batch.forEach(read -> settle(read.reply(), rc == ok() ? KeeperException.Code.SYSTEMERROR.intValue()
                                : rc, read.path(), null));
                    }
                }, null);
            } catch (RuntimeException e) {
                next();
                batch.forEach(read -> read.reply().completeExceptionally(e));
            }
        }

        /** Sends what was queued while the last group was in flight, or ends the flight. */
        private void next() {
            List<Read> batch = new java.util.ArrayList<>();
            synchronized (this) {
                Read first = queue.poll();
                if (first == null) {
                    inFlight = false;
                    return;
                }
                batch.add(first);
                for (Read read = queue.peek(); read != null && batch.size() < MAX_READS; read = queue.peek()) {
                    if (read.handle() != first.handle()) {
                        break;
                    }
                    batch.add(queue.poll());
                }
            }
            send(batch);
        }
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
