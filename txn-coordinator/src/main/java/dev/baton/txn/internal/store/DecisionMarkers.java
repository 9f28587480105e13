package dev.baton.txn.internal.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;

/**
 * The decision's markers: every write that creates a decision (the driver's, a NO vote's, a
 * participant's own ABORT at its deadline, an operator's) also creates
 * {@code participants/<p>/inbox/<id>/COMMIT} (or {@code ABORT}) in each participant's inbox entry,
 * in the same {@code multi}. A host learns the decision from its inbox watch's event, with no read;
 * the acknowledgement deletes the marker with the entry. A host that may have missed the event
 * (after a reconnection, or on a server without persistent watches) reads the decision itself.
 */
final class DecisionMarkers {

    private DecisionMarkers() {
    }

    /** Adds the creation of the decision's marker in each of {@code participants}' inbox entry. */
    static void add(ZkAsync zk, TxnLayout layout, List<Op> ops, String txnId, List<String> participants,
            boolean commit) {
        for (String participant : participants) {
            ops.add(Op.create(layout.decisionMarker(participant, txnId, commit), new byte[0], zk.acl(),
                    CreateMode.PERSISTENT));
        }
    }

    /**
     * Sends a {@code multi} that carries markers. A marker whose inbox entry is gone (its
     * participant acknowledged already, or the entry was dropped) is left out and the rest sent
     * again; the reply is that of the last send. After a success the test hook may send it again
     * (it knows the write by {@code path}), and the reply is then that of the second send.
     */
    static CompletableFuture<ZkAsync.MultiReply> send(ZkAsync zk, List<Op> ops, String path) {
        return zk.multiReply(ops).thenCompose(reply -> {
            if (reply.code() == KeeperException.Code.OK) {
                return zk.again(path).thenCompose(again -> again ? zk.multiReply(ops)
                        : CompletableFuture.completedFuture(reply));
            }
            int failed = reply.failedIndex();
            if (failed > 0 && reply.codeOf(failed) == KeeperException.Code.NONODE && isMarker(ops.get(failed))) {
                List<Op> rest = new ArrayList<>(ops);
                rest.remove(failed);
                return send(zk, rest, path);
            }
            return CompletableFuture.completedFuture(reply);
        });
    }

    static boolean isMarker(Op op) {
        String path = op.getPath();
        return op.getType() == org.apache.zookeeper.ZooDefs.OpCode.create && path.contains("/inbox/")
                && (path.endsWith("/COMMIT") || path.endsWith("/ABORT"));
    }

    /** The exception a failed {@code multi} stands for: its failed operation's code and path. */
    static KeeperException failure(ZkAsync.MultiReply reply, List<Op> ops) {
        int failed = reply.failedIndex();
        return failed >= 0 ? KeeperException.create(reply.codeOf(failed), ops.get(failed).getPath())
                : KeeperException.create(reply.code());
    }
}
