package dev.baton.txn.admin;

import dev.baton.txn.TransactionException;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnLayout;
import dev.baton.txn.internal.store.TxnNames;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;

/**
 * Operator actions on transactions that a coordinator should not take by itself: listing the
 * transactions still in ZooKeeper, and aborting one by hand. For outcomes and history use
 * {@link TransactionCoordinator#outcome}, {@link TransactionCoordinator#recentOutcomes} and
 * {@link TransactionCoordinator#forget}.
 *
 * <p>Stateless apart from the client it reads through; safe for concurrent use.
 */
public final class TransactionAdmin {

    private final CuratorFramework curator;
    private final TxnLayout layout;

    private TransactionAdmin(CuratorFramework curator, String rootPath) {
        this.curator = curator;
        this.layout = new TxnLayout(rootPath);
    }

    /**
     * An admin on a started Curator client without a namespace.
     *
     * @param rootPath Baton's root node, {@code /baton} unless {@code baton.zookeeper.root} says otherwise
     */
    public static TransactionAdmin on(CuratorFramework curator, String rootPath) {
        return new TransactionAdmin(Objects.requireNonNull(curator, "curator"), Objects.requireNonNull(rootPath, "rootPath"));
    }

    /**
     * The ids of the transactions whose znodes are still in ZooKeeper: not yet decided, or decided
     * and not yet applied by every participant and collected. Sorted, hence roughly by start time.
     *
     * @throws TransactionException if ZooKeeper cannot be read
     */
    public List<String> openTransactions() {
        try {
            List<String> ids = new ArrayList<>();
            for (String child : curator.getChildren().forPath(layout.txns())) {
                if (TxnNames.isTxnId(child)) {
                    ids.add(child);
                }
            }
            ids.sort(null);
            return ids;
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (Exception e) {
            throw new TransactionException("-", "cannot list transactions under " + layout.txns() + ": " + e, e);
        }
    }

    /**
     * Decides ABORT for an open transaction that has no decision yet, with the same atomic create
     * every coordinator and participant uses, so it can never contradict a decision already made.
     * Participants then roll back their branches and the transaction is collected as usual.
     *
     * @return true if this call decided ABORT; false if the transaction already had a decision
     *     (which stands)
     * @throws IllegalArgumentException if {@code txnId} is not an open transaction (malformed, never
     *     existed, or already collected)
     * @throws TransactionException if ZooKeeper cannot be written
     */
    public boolean abort(String txnId, String reason) {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(reason, "reason");
        if (!TxnNames.isTxnId(txnId)) {
            throw new IllegalArgumentException("'" + txnId + "' is not a transaction id (tx-<hex>-<hex>)");
        }
        byte[] decision = TxnCodec.decision(Decision.abort("aborted by an operator: " + reason));
        try {
            curator.transaction().forOperations(
                    curator.transactionOp().check().forPath(layout.record(txnId)),
                    curator.transactionOp().create().forPath(layout.decision(txnId), decision));
            return true;
        } catch (KeeperException.NodeExistsException e) {
            // Curator resends the multi when its reply is lost: the decision found may be ours.
            return isOurs(txnId, decision);
        } catch (KeeperException.NoNodeException e) {
            throw new IllegalArgumentException("no open transaction " + txnId + " (never begun, or already finished"
                    + " and collected)", e);
        } catch (Exception e) {
            throw new TransactionException(txnId, "cannot write its decision: " + e, e);
        }
    }

    private boolean isOurs(String txnId, byte[] decision) {
        try {
            return java.util.Arrays.equals(curator.getData().forPath(layout.decision(txnId)), decision);
        } catch (Exception e) {
            return false;
        }
    }
}
