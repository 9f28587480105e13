package dev.baton.txn.xa;

import dev.baton.lock.LockException;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TxnConfig;
import dev.baton.txn.TxnListener;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.CuratorClients;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnStore;
import dev.baton.txn.internal.store.XaStore;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.sql.XADataSource;
import org.apache.curator.framework.CuratorFramework;
import org.jspecify.annotations.Nullable;

/**
 * Two-phase commit across the XA resources this process holds (two databases an application
 * writes to, the most common XA deployment), with the decision in ZooKeeper: the in-process path.
 *
 * <pre>{@code
 * XaTransactions xa = XaTransactions.builder(coordinator)          // its session, root and ACL
 *         .resource("bank_a", pgXaDataSourceA)                      // registered by name: branches and recovery
 *         .resource("bank_b", pgXaDataSourceB)
 *         .start();
 * try (XaTransaction tx = xa.begin()) {
 *     debit(tx.connection("bank_a"));
 *     credit(tx.connection("bank_b"));
 *     Outcome outcome = tx.commit();                                // COMMITTED or ABORTED
 * }
 * }</pre>
 *
 * <p>A commit costs the resources' prepares and commits and one ZooKeeper write (the decision),
 * none with one resource; see {@link XaTransaction}. What is guaranteed:
 *
 * <ul>
 *   <li><b>Atomicity</b>, whatever process dies when, as long as ZooKeeper keeps a quorum: a
 *       branch is committed only after the COMMIT decision exists, and a decision can only be
 *       created while the session that began the transaction lives.
 *   <li><b>Recovery by any instance</b> that has the same resources registered (same names): it
 *       commits the prepared branches of decided transactions and rolls back, after the recovery
 *       grace period, those of undecided transactions whose session is gone. No node ids are
 *       configured; nothing polls faster than the recovery interval, and an instance's departure
 *       is noticed by a watch.
 *   <li>A branch is never committed twice or by halves: each resource's branch has one Xid,
 *       {@code tx-<ms>-<random>/<session>} and the resource name.
 * </ul>
 *
 * <p>Thread-safe: any number of transactions may run at once, each used by one thread.
 */
public final class XaTransactions implements AutoCloseable {

    private final XaCore core;
    private final @Nullable AutoCloseable owned;

    private XaTransactions(XaCore core, @Nullable AutoCloseable owned) {
        this.core = core;
        this.owned = owned;
    }

    /** A builder on {@code coordinator}'s ZooKeeper session, root path and ACL. Close this before the coordinator. */
    public static Builder builder(TransactionCoordinator coordinator) {
        Objects.requireNonNull(coordinator, "coordinator");
        return new Builder(coordinator.curator(), null).options(coordinator.options());
    }

    /** A builder on a Curator client the caller started and keeps (no namespace; root {@code /baton} unless set). */
    public static Builder builder(CuratorFramework curator) {
        return new Builder(Objects.requireNonNull(curator, "curator"), null);
    }

    /**
     * A builder with its own ZooKeeper connection from {@code baton.*} keys (the ZooKeeper
     * backend's and {@code baton.txn.timeout}), opened by {@link Builder#start()} and closed with
     * this.
     *
     * @throws IllegalArgumentException for an unknown key or malformed value, or a missing
     *     {@code baton.zookeeper.connect}
     */
    public static Builder builder(Map<String, String> config) {
        return new Builder(null, TxnConfig.parse(Objects.requireNonNull(config, "config")));
    }

    /** Begins a transaction with the default timeout. */
    public XaTransaction begin() {
        return begin(core.defaultTimeout);
    }

    /**
     * Begins a transaction that must be committed within {@code timeout}. Nothing is written.
     *
     * @throws IllegalArgumentException if {@code timeout} is not positive
     * @throws IllegalStateException if this is closed
     */
    public XaTransaction begin(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("the timeout must be positive, but is " + timeout);
        }
        core.checkRunning();
        long now = core.clock.millis();
        String txnId = TxnNames.newTxnId(now);
        core.inFlight.add(txnId);
        return new XaTransaction(core, txnId, core.owner(), now + timeout.toMillis());
    }

    /** The service behind this, for the tests' hooks ({@code XaHooks}). */
    XaCore core() {
        return core;
    }

    /** The registered resources' names. */
    public Set<String> resources() {
        return core.resources.keySet();
    }

    /**
     * Stops: waits briefly for finished transactions' decisions to be deleted, deletes this
     * instance's live node (so other instances may roll back what it left undecided) and closes the
     * idle connections; with its own ZooKeeper connection, closes that. Transactions in flight
     * should be finished first. Idempotent.
     */
    @Override
    public void close() {
        core.stop();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                // our own connection: nothing the caller could do about it
            }
        }
    }

    /**
     * Configures {@link XaTransactions}. Not thread-safe; use it on one thread, then {@link #start()}.
     */
    public static final class Builder {

        private final @Nullable CuratorFramework curator;
        private final @Nullable BatonConfig config;
        private final Map<String, XADataSource> resources = new LinkedHashMap<>();
        private @Nullable ZooKeeperLockOptions options;
        private Duration defaultTimeout = Objects.requireNonNull(TxnConfig.TIMEOUT.defaultValue());
        private Duration recoveryGrace = Duration.ofSeconds(10);
        private Duration recoveryInterval = Duration.ofMinutes(1);
        private int threads = 16;
        private int parallelUpTo = Runtime.getRuntime().availableProcessors();
        private int poolSize = 16;
        private int maxConnections = Integer.MAX_VALUE;
        private Duration connectionWait = Duration.ZERO;
        private Clock clock = Clock.systemUTC();
        private StepListener steps = StepListener.NONE;
        private TxnListener listener = TxnListener.NONE;
        private TxnStore.@Nullable Resend resend;

        private Builder(@Nullable CuratorFramework curator, @Nullable BatonConfig config) {
            this.curator = curator;
            this.config = config;
            if (config != null) {
                defaultTimeout = config.require(TxnConfig.TIMEOUT);
            }
        }

        /**
         * Registers an XA resource under {@code name}: transactions enlist it by that name, and
         * recovery finishes its branches. Every instance of the application must register the
         * same resources under the same names.
         *
         * @throws IllegalArgumentException if the name is malformed (1 to 48 characters of
         *     {@code [A-Za-z0-9_.-]}) or already registered
         */
        public Builder resource(String name, XADataSource dataSource) {
            TxnNames.checkResource(name);
            Objects.requireNonNull(dataSource, "dataSource");
            if (resources.putIfAbsent(name, dataSource) != null) {
                throw new IllegalArgumentException("resource '" + name + "' is already registered");
            }
            return this;
        }

        /** The root path and ACL of Baton's nodes. Default: {@code /baton}, open ACL. */
        public Builder options(ZooKeeperLockOptions value) {
            options = Objects.requireNonNull(value, "options");
            return this;
        }

        /** The timeout of {@link #begin()}. Default 30 s ({@code baton.txn.timeout}). */
        public Builder defaultTimeout(Duration value) {
            Objects.requireNonNull(value, "defaultTimeout");
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException("the default timeout must be positive, but is " + value);
            }
            defaultTimeout = value;
            return this;
        }

        /**
         * How long recovery waits, after it first sees an undecided prepared branch whose session is
         * gone, before rolling it back. Not needed for safety (such a branch can never be decided);
         * it leaves time to an operator looking at a resource. Default 10 s.
         */
        public Builder recoveryGrace(Duration value) {
            Objects.requireNonNull(value, "recoveryGrace");
            if (value.isNegative()) {
                throw new IllegalArgumentException("the recovery grace period must not be negative: " + value);
            }
            recoveryGrace = value;
            return this;
        }

        /** How often recovery scans the resources when nothing prompts it. Default 1 minute. */
        public Builder recoveryInterval(Duration value) {
            Objects.requireNonNull(value, "recoveryInterval");
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException("the recovery interval must be positive: " + value);
            }
            recoveryInterval = value;
            return this;
        }

        /**
         * Threads that prepare and commit branches in parallel and run recovery. Default 16.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder threads(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("threads must be at least 1: " + value);
            }
            threads = value;
            return this;
        }

        /**
         * How many idle XA connections each resource keeps for reuse. Default 16.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder poolSize(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("the pool size must not be negative: " + value);
            }
            poolSize = value;
            return this;
        }

        /**
         * At most {@code max} XA connections open to each resource at once, idle ones included (and
         * those recovery borrows): a branch that needs one more waits up to {@code wait} for one to
         * be given back, then its {@link XaTransaction#connection} fails with
         * {@link java.sql.SQLTransientConnectionException} naming the resource. Default: unbounded
         * (a connection is opened whenever none is idle, and {@link #poolSize} are kept idle).
         *
         * @throws IllegalArgumentException if {@code max} is not positive or {@code wait} is negative
         */
        public Builder maxConnections(int max, Duration wait) {
            if (max < 1) {
                throw new IllegalArgumentException("at most " + max + " connections per resource: must be at least 1");
            }
            Objects.requireNonNull(wait, "wait");
            if (wait.isNegative()) {
                throw new IllegalArgumentException("the connection wait must not be negative: " + wait);
            }
            maxConnections = max;
            connectionWait = wait;
            return this;
        }

        /** The clock deadlines are checked by. Default: the system clock. */
        public Builder clock(Clock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * Told of commits (with their latency), outcomes and recoveries of other instances'
         * branches, for metrics ({@code MicrometerTxnListener} in baton-micrometer). What it throws
         * is logged and ignored.
         *
         * @throws NullPointerException if {@code value} is null
         */
        public Builder listener(TxnListener value) {
            listener = Objects.requireNonNull(value, "listener");
            return this;
        }

        Builder steps(StepListener value) {
            steps = value;
            return this;
        }

        /** Test hook: hand branches to other threads only while at most {@code value} transactions are committing. */
        Builder parallelUpTo(int value) {
            parallelUpTo = value;
            return this;
        }

        /** Test hook: writes may be sent again (see {@link TxnStore.Resend}). */
        Builder resend(TxnStore.Resend value) {
            resend = value;
            return this;
        }

        /**
         * Creates this instance's live node and starts recovery.
         *
         * @throws IllegalStateException if no resource was registered or the Curator client is not started
         * @throws IllegalArgumentException if the Curator client uses a namespace (set the root path instead)
         * @throws TransactionException if ZooKeeper cannot be reached
         */
        public XaTransactions start() {
            if (resources.isEmpty()) {
                throw new IllegalStateException("register at least one resource before start()");
            }
            if (config == null) {
                CuratorFramework client = Objects.requireNonNull(curator);
                return start(client, options != null ? options : ZooKeeperLockOptions.defaults(), null);
            }
            CallerQueues connection;
            try {
                connection = CallerQueues.open(config);
            } catch (LockException e) {
                throw new TransactionException("cannot connect to ZooKeeper: " + e.getMessage(), e);
            }
            try {
                return start(connection.curator(), options != null ? options : connection.options(), connection);
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        private XaTransactions start(CuratorFramework client, ZooKeeperLockOptions layout,
                @Nullable AutoCloseable owned) {
            CuratorClients.checkUsable(client, "XaTransactions");
            XaStore store = new XaStore(client, layout.acl(), layout.rootPath());
            if (resend != null) {
                store.resend(resend);
            }
            Map<String, XaConnectionPool> pools = new LinkedHashMap<>();
            resources.forEach((name, dataSource) -> pools.put(name, new XaConnectionPool(name, dataSource,
                    Math.min(poolSize, maxConnections), maxConnections, connectionWait)));
            XaCore core = new XaCore(store, pools, clock, defaultTimeout, recoveryGrace, recoveryInterval, threads,
                    parallelUpTo, steps, listener);
            try {
                core.start();
            } catch (RuntimeException e) {
                Throwable cause = e instanceof IllegalStateException && e.getCause() != null ? e.getCause() : e;
                throw new TransactionException("cannot start XA transactions: " + cause, cause);
            }
            return new XaTransactions(core, owned);
        }
    }
}
