package dev.baton.txn.admin;

import dev.baton.lock.LockException;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.txn.NoSuchTransactionException;
import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.TransactionStatus;
import dev.baton.txn.TxnConfig;
import dev.baton.txn.internal.protocol.TxnLookup;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnStore;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.jspecify.annotations.Nullable;

/**
 * What an operator (or a tool such as {@code baton txn}) does with transactions, without running
 * a coordinator: list the transactions still in ZooKeeper, look one up, abort one by hand, and
 * read or trim the history of finished ones. Every coordinator instance of the namespace sees
 * the same.
 *
 * <p>Stateless apart from the client it reads through; safe for concurrent use.
 */
public final class TransactionAdmin implements AutoCloseable {

    private final TxnStore store;
    private final TxnLookup lookup;
    private final long timeoutMillis;
    private final @Nullable AutoCloseable owned;

    private TransactionAdmin(TxnStore store) {
        this(store, null);
    }

    private TransactionAdmin(TxnStore store, @Nullable AutoCloseable owned) {
        this.store = store;
        this.owned = owned;
        this.lookup = new TxnLookup(store);
        this.timeoutMillis = store.curator().getZookeeperClient().getConnectionTimeoutMs() + 10_000L;
    }

    /**
     * An admin on a started Curator client without a namespace, for the namespace under
     * {@code rootPath}, whose coordinators keep the default history size.
     *
     * @param rootPath Baton's root node, {@code /baton} unless {@code baton.zookeeper.root} says otherwise
     */
    public static TransactionAdmin on(CuratorFramework curator, String rootPath) {
        return on(curator, rootPath, TxnHistory.DEFAULT_SIZE);
    }

    /**
     * An admin as {@link #on(CuratorFramework, String)}, for coordinators that keep
     * {@code historySize} outcomes: with 0 (no history), {@link #status} answers UNKNOWN rather than
     * NOT_BEGUN for a transaction it cannot find.
     */
    public static TransactionAdmin on(CuratorFramework curator, String rootPath, int historySize) {
        Objects.requireNonNull(rootPath, "rootPath");
        return on(curator, ZooKeeperLockOptions.defaults().withRootPath(rootPath), historySize);
    }

    /**
     * An admin as {@link #on(CuratorFramework, String, int)}, for the root path and ACL of
     * {@code options} (the ACL its {@link #abort} writes the decision with): what
     * {@link dev.baton.txn.TransactionCoordinator#admin()} uses.
     */
    public static TransactionAdmin on(CuratorFramework curator, ZooKeeperLockOptions options, int historySize) {
        Objects.requireNonNull(curator, "curator");
        Objects.requireNonNull(options, "options");
        return new TransactionAdmin(new TxnStore(curator, options.acl(), options.rootPath(), historySize));
    }

    /**
     * An admin with its own ZooKeeper connection, configured by {@code baton.*} keys as a
     * coordinator is ({@code baton.zookeeper.connect} required; root, auth, TLS;
     * {@code baton.txn.history-size}). Closing it closes the connection.
     *
     * @throws IllegalArgumentException for an unknown key or malformed value, named in the message
     * @throws TransactionException if ZooKeeper cannot be reached within the connection timeout
     */
    public static TransactionAdmin open(Map<String, String> config) {
        BatonConfig parsed = TxnConfig.parse(Objects.requireNonNull(config, "config"));
        CallerQueues connection;
        try {
            connection = CallerQueues.open(parsed);
        } catch (LockException e) {
            throw new TransactionException("cannot connect to ZooKeeper: " + e.getMessage(), e);
        }
        return new TransactionAdmin(new TxnStore(connection.curator(), connection.options().acl(),
                connection.options().rootPath(), parsed.require(TxnConfig.HISTORY_SIZE)), connection);
    }

    /** Closes the ZooKeeper connection if this admin opened it. Idempotent. */
    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                // our own connection: nothing the caller could do about it
            }
        }
    }

    /**
     * The ids of the transactions whose znodes are still in ZooKeeper: not yet decided, or decided
     * and not yet applied by every participant and collected. Sorted, hence roughly by start time.
     *
     * @throws TransactionException if ZooKeeper cannot be read
     */
    public List<String> openTransactions() {
        return TxnLookup.await(store.openTransactions(), null, "list the transactions in", timeoutMillis);
    }

    /**
     * Where transaction {@code txnId} stands: preparing, decided, finished (from the history),
     * never begun, or unknown (it may have finished and left the history).
     *
     * @throws IllegalArgumentException if {@code txnId} is not a transaction id
     * @throws TransactionException if ZooKeeper cannot be read, or the transaction's nodes are damaged
     */
    public TransactionStatus status(String txnId) {
        Objects.requireNonNull(txnId, "txnId");
        return TxnLookup.await(lookup.status(txnId), txnId, "read its status from", timeoutMillis);
    }

    /** {@link #status}'s state, empty if not begun or unknown (or {@code txnId} is not an id). */
    public Optional<TransactionState> state(String txnId) {
        Objects.requireNonNull(txnId, "txnId");
        return TxnNames.isTxnId(txnId) ? status(txnId).state() : Optional.empty();
    }

    /** {@link #status}'s outcome, empty unless decided (or {@code txnId} is not an id). */
    public Optional<Outcome> outcome(String txnId) {
        Objects.requireNonNull(txnId, "txnId");
        return TxnNames.isTxnId(txnId) ? status(txnId).outcome() : Optional.empty();
    }

    /**
     * Decides ABORT for an open transaction that has no decision yet, with the same atomic create
     * every coordinator and participant uses, so it can never contradict a decision already made.
     * Participants then roll back their branches and the transaction is collected as usual.
     *
     * @return true if the decision is this ABORT; false if the transaction already had another
     *     decision (which stands)
     * @throws IllegalArgumentException if {@code txnId} is not a transaction id
     * @throws NoSuchTransactionException if there is no open transaction {@code txnId} (never
     *     begun, or already finished and collected)
     * @throws TransactionException if ZooKeeper cannot be written
     */
    public boolean abort(String txnId, String reason) {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(reason, "reason");
        if (!TxnNames.isTxnId(txnId)) {
            throw new IllegalArgumentException("'" + txnId + "' is not a transaction id (tx-<12 hex>-<16 hex>)");
        }
        Boolean decided = TxnLookup.await(store.abortByOperator(txnId,
                Decision.abort("aborted by an operator: " + reason)), txnId, "write its decision to", timeoutMillis);
        if (decided == null) {
            throw new NoSuchTransactionException(txnId, "no open transaction " + txnId + " (never begun, or already"
                    + " finished and collected)");
        }
        return decided;
    }

    /**
     * The history: the outcomes of the most recently finished transactions, newest first (by when
     * they finished). Entries that cannot be read are skipped (and logged once).
     *
     * @throws TransactionException if ZooKeeper cannot be read
     */
    public List<Outcome> recentOutcomes() {
        return recentOutcomes(TxnHistory.MAX_SIZE);
    }

    /**
     * Like {@link #recentOutcomes()}, the newest {@code max} only.
     *
     * @throws IllegalArgumentException if {@code max} is negative
     * @throws TransactionException if ZooKeeper cannot be read
     */
    public List<Outcome> recentOutcomes(int max) {
        if (max < 0) {
            throw new IllegalArgumentException("max must not be negative: " + max);
        }
        return TxnLookup.await(store.history().recent(max), null, "read the transaction history from", timeoutMillis);
    }

    /**
     * Deletes finished transaction {@code txnId}'s outcome from the history (one write, which also
     * raises the history's trim mark: {@link #status} then answers UNKNOWN for it, not NOT_BEGUN).
     * A transaction still in progress is not affected.
     *
     * @return true if the history held it
     * @throws TransactionException if ZooKeeper cannot be reached
     */
    public boolean forget(String txnId) {
        Objects.requireNonNull(txnId, "txnId");
        return TxnNames.isTxnId(txnId) && TxnLookup.await(store.history().forget(txnId, name -> { }), txnId,
                "delete its history entry in", timeoutMillis);
    }
}
