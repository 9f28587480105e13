package dev.baton.txn.internal.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.ACL;

/**
 * The in-process XA path's part of ZooKeeper: one ephemeral live node per coordinator session,
 * and one decision node per committed transaction, nothing else.
 *
 * <pre>
 * xa/live/&lt;owner&gt;        ephemeral; owner = session id (16 hex) '-' 8 random hex
 * xa/decisions/&lt;id&gt;      {"baton":"xa-decision/1","decision":"COMMIT","owner":…,"resources":[…]}
 * </pre>
 *
 * <p>A decision is created in one {@code multi} with a check that its owner's live node exists:
 * once a session is gone, no decision can be created for the transactions it began, so a
 * prepared branch whose owner's live node is gone and that has no decision will never get one.
 * That is what lets any instance roll such a branch back.
 */
public final class XaStore {

    /** What a decision write did. */
    public enum Decided {
        /** The COMMIT exists: created by this call, or by an earlier send of the same write. */
        COMMITTED,
        /** The owner's live node is gone (its session ended): no decision was or will ever be made. */
        OWNER_GONE
    }

    private final ZkAsync zk;
    private final TxnLayout layout;

    public XaStore(CuratorFramework curator, List<ACL> acl, String root) {
        this.zk = new ZkAsync(curator, acl);
        this.layout = new TxnLayout(root);
    }

    public CuratorFramework curator() {
        return zk.curator();
    }

    public boolean usable() {
        return zk.usable();
    }

    /** The current session's id, 0 if there is none. */
    public long sessionId() {
        return zk.sessionId();
    }

    /** Installs the test hook on every write. */
    public void resend(TxnStore.Resend hook) {
        zk.resend = hook;
    }

    /** Creates the {@code xa/live} and {@code xa/decisions} parents if missing. */
    public CompletableFuture<Void> ensure() {
        return CompletableFuture.allOf(zk.ensure(layout.xaLive()), zk.ensure(layout.xaDecisions()));
    }

    /**
     * Creates a live node for the current session and answers its name, the owner named by the
     * transactions begun until the session changes.
     */
    public CompletableFuture<String> register() {
        long session = zk.sessionId();
        if (session == 0) {
            return CompletableFuture.failedFuture(new KeeperException.ConnectionLossException());
        }
        String owner = String.format("%016x-%08x", session, ThreadLocalRandom.current().nextInt());
        return zk.create(layout.xaLive(owner), owner.getBytes(StandardCharsets.UTF_8), CreateMode.EPHEMERAL)
                .thenApply(created -> {
                    if (created == ZkAsync.Created.NO_PARENT) {
                        throw new CompletionException(new KeeperException.NoNodeException(layout.xaLive()));
                    }
                    return owner;
                });
    }

    /** Deletes a live node this instance created (on close). */
    public CompletableFuture<Boolean> unregister(String owner) {
        return zk.delete(layout.xaLive(owner));
    }

    /** The live owners, watched for a change (an owner leaving is what recovery waits for). */
    public CompletableFuture<Set<String>> liveOwners(Watcher watcher) {
        return zk.children(layout.xaLive(), watcher)
                .thenApply(names -> names == null ? Set.<String>of() : Set.copyOf(names));
    }

    /**
     * Creates the COMMIT of {@code decision}, if and only if its owner's live node still exists.
     *
     * @return a future that fails with a {@link KeeperException} if ZooKeeper did not answer
     *     (connection loss: the write may or may not have taken effect, see {@link #isDecided}) or
     *     refused it for another reason
     */
    public CompletableFuture<Decided> decide(XaDecision decision) {
        return decideAll(List.of(decision));
    }

    /**
     * Writes the COMMIT decisions of several transactions of one owner in one {@code multi}: a
     * check that the owner's live node exists, then a create per decision. It is applied whole or
     * not at all, so its reply (or its loss) answers for every one of them alike.
     *
     * @param decisions at least one, all of the same owner
     * @return {@code COMMITTED} for all, or {@code OWNER_GONE} for all
     * @throws CompletionException with the {@link KeeperException} of the operation that failed
     *     otherwise (a decision that exists already fails a batch of several: send each on its
     *     own, which takes an existing decision for its own, as {@link #decide} does), or of the
     *     whole (connection loss: whether it took effect is unknown, see {@link #isDecided})
     */
    public CompletableFuture<Decided> decideAll(List<XaDecision> decisions) {
        List<Op> ops = decisionOps(decisions);
        return zk.multiReply(ops).thenCompose(reply -> {
            if (reply.code() == KeeperException.Code.OK) {
                return zk.again(ops.get(1).getPath()).thenCompose(again -> again
                        ? zk.multiReply(ops).thenApply(second -> Decided.COMMITTED)
                        : CompletableFuture.completedFuture(Decided.COMMITTED));
            }
            try {
                return CompletableFuture.completedFuture(refused(ops, reply));
            } catch (KeeperException e) {
                throw new CompletionException(e);
            }
        });
    }

    /**
     * {@link #decideAll} on the calling thread, which waits for the reply without the hand-off to
     * ZooKeeper's event thread that an asynchronous reply takes: for the one decision of a caller
     * that waits for nothing else. A single decision that exists already is this transaction's
     * own, from an earlier send: {@code COMMITTED}, as {@link #decide} answers.
     *
     * @throws KeeperException as {@link #decideAll} completes
     * @throws InterruptedException if interrupted while waiting: the write may have been sent
     */
    public Decided decideAllNow(List<XaDecision> decisions) throws KeeperException, InterruptedException {
        List<Op> ops = decisionOps(decisions);
        ZkAsync.MultiReply reply = zk.multiReplyNow(ops);
        if (reply.code() == KeeperException.Code.OK) {
            if (zk.again(ops.get(1).getPath()).join()) {
                zk.multiReplyNow(ops);
            }
            return Decided.COMMITTED;
        }
        return refused(ops, reply);
    }

    private List<Op> decisionOps(List<XaDecision> decisions) {
        if (decisions.isEmpty()) {
            throw new IllegalArgumentException("no decision to write");
        }
        String owner = decisions.get(0).owner();
        List<Op> ops = new ArrayList<>(decisions.size() + 1);
        ops.add(Op.check(layout.xaLive(owner), -1));
        for (XaDecision decision : decisions) {
            if (!decision.owner().equals(owner)) {
                throw new IllegalArgumentException("decisions of owners " + owner + " and " + decision.owner()
                        + " in one batch");
            }
            ops.add(Op.create(layout.xaDecision(decision.txnId()), TxnCodec.xaDecision(decision), zk.acl(),
                    CreateMode.PERSISTENT));
        }
        return ops;
    }

    /** What a failed decision {@code multi} means: OWNER_GONE, the single decision's own earlier send, or the failure. */
    private static Decided refused(List<Op> ops, ZkAsync.MultiReply reply) throws KeeperException {
        int failed = reply.failedIndex();
        if (failed == 0 && reply.codeOf(0) == KeeperException.Code.NONODE) {
            return Decided.OWNER_GONE;
        }
        if (ops.size() == 2 && failed == 1 && reply.codeOf(1) == KeeperException.Code.NODEEXISTS) {
            return Decided.COMMITTED; // our own write, sent again
        }
        throw KeeperException.create(failed >= 0 ? reply.codeOf(failed) : reply.code(),
                ops.get(Math.max(failed, 0)).getPath());
    }

    /**
     * Whether the decision of {@code txnId} exists, read after a sync with the leader: after a
     * decision write whose reply was lost, what this says is final (the write went out on a
     * connection that has since been replaced, and is either applied before the sync or never).
     */
    public CompletableFuture<Boolean> isDecided(String txnId) {
        String path = layout.xaDecision(txnId);
        return zk.sync(path).thenCompose(synced -> zk.exists(path, null)).thenApply(stat -> stat != null);
    }

    /** The decision of {@code txnId}, if there is one. */
    public CompletableFuture<Optional<XaDecision>> decision(String txnId) {
        return zk.data(layout.xaDecision(txnId), null).thenApply(node -> node == null ? Optional.<XaDecision>empty()
                : Optional.of(TxnStore.decoded(() -> TxnCodec.xaDecision(txnId, node.data()))));
    }

    /** Has the server catch up with the leader, so that the reads after it see every write before it. */
    public CompletableFuture<Void> sync() {
        return zk.sync(layout.xaDecisions());
    }

    /** The ids of the transactions that have a decision node. */
    public CompletableFuture<List<String>> decisions() {
        return zk.children(layout.xaDecisions(), null).thenApply(names -> names == null ? List.<String>of()
                : List.copyOf(names));
    }

    /**
     * Deletes the decisions of {@code txnIds} (every branch committed) in one {@code multi}. A
     * decision that is already gone (deleted by a recovering instance, or by an earlier send) is
     * left out and the rest sent again, so the whole batch never fails for one of them.
     *
     * @return the ids whose decision this call deleted
     */
    public CompletableFuture<Set<String>> forget(List<String> txnIds) {
        if (txnIds.isEmpty()) {
            return CompletableFuture.completedFuture(Set.of());
        }
        List<Op> ops = new ArrayList<>(txnIds.size());
        for (String txnId : txnIds) {
            ops.add(Op.delete(layout.xaDecision(txnId), -1));
        }
        return zk.multiReply(ops).thenCompose(reply -> {
            if (reply.code() == KeeperException.Code.OK) {
                return zk.again(ops.get(0).getPath()).thenCompose(again -> again ? zk.multiReply(ops)
                        : CompletableFuture.completedFuture(reply)).thenApply(done -> Set.copyOf(txnIds));
            }
            int failed = reply.failedIndex();
            if (failed >= 0 && reply.codeOf(failed) == KeeperException.Code.NONODE) {
                List<String> rest = new ArrayList<>(txnIds);
                rest.remove(failed);
                return forget(rest);
            }
            throw new CompletionException(KeeperException.create(failed >= 0 ? reply.codeOf(failed) : reply.code(),
                    failed >= 0 ? ops.get(failed).getPath() : layout.xaDecisions()));
        });
    }
}
