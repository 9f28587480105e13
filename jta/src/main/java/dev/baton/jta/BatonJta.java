package dev.baton.jta;

import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.TransactionException;
import dev.baton.txn.xa.XaTransactions;
import jakarta.transaction.TransactionManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.UserTransaction;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import javax.sql.DataSource;
import javax.sql.XADataSource;
import org.apache.curator.framework.CuratorFramework;

/**
 * A JTA transaction manager on Baton's in-process XA path: the decision of each transaction is one
 * ZooKeeper write, and any instance with the same resources registered recovers what a dead one
 * left prepared.
 *
 * <pre>{@code
 * BatonJta jta = BatonJta.builder(coordinator)                 // or a Curator client, or baton.* keys
 *         .dataSource("bank_a", pgXaDataSourceA)                // registered by name: branches and recovery
 *         .dataSource("bank_b", pgXaDataSourceB)
 *         .start();
 * new JtaTransactionManager(jta.userTransaction(), jta.transactionManager());   // Spring, unchanged
 * DataSource bankA = jta.dataSource("bank_a");                 // a JdbcTemplate on it, say
 * }</pre>
 *
 * <p>What each transaction does is {@link dev.baton.txn.xa.XaTransaction}'s: its connections are XA
 * branches of the registered resources, {@code commit()} prepares them in parallel, writes the
 * COMMIT decision to ZooKeeper and commits them (one resource: one-phase, no write). Exceptions
 * follow the JTA specification: an aborted commit is a {@code RollbackException} with the reason,
 * a resource that ended its branch against the decision a {@code HeuristicMixedException} (or
 * {@code HeuristicRollbackException} if every one rolled back), an outcome this process could not
 * learn a {@code SystemException} whose message says recovery will finish it (the transaction stays
 * atomic; see {@code CommitFailures.unknown} for why it is not a heuristic exception).
 *
 * <p>Thread-safe.
 */
public final class BatonJta implements AutoCloseable {

    private final XaTransactions xa;
    private final BatonTransactionManager manager;
    private final ResourceMatcher matcher;
    private final Map<String, JtaDataSource> dataSources;

    private BatonJta(XaTransactions xa, BatonTransactionManager manager, ResourceMatcher matcher,
            Map<String, JtaDataSource> dataSources) {
        this.xa = xa;
        this.manager = manager;
        this.matcher = matcher;
        this.dataSources = dataSources;
    }

    /** A builder on {@code coordinator}'s ZooKeeper session, root and ACL. Close the {@code BatonJta} first. */
    public static Builder builder(TransactionCoordinator coordinator) {
        return new Builder(XaTransactions.builder(coordinator));
    }

    /** A builder on a Curator client the caller started and keeps (no namespace; root {@code /baton}). */
    public static Builder builder(CuratorFramework curator) {
        return new Builder(XaTransactions.builder(curator));
    }

    /**
     * A builder with its own ZooKeeper connection from {@code baton.*} keys
     * ({@code baton.zookeeper.*}, and {@code baton.txn.timeout} for the default timeout), closed
     * with the {@code BatonJta}.
     *
     * @throws IllegalArgumentException for an unknown key or malformed value, or a missing {@code baton.zookeeper.connect}
     */
    public static Builder builder(Map<String, String> config) {
        return new Builder(XaTransactions.builder(config));
    }

    /** The JTA transaction manager: the same object as {@link #userTransaction()} and {@link #synchronizationRegistry()}. */
    public TransactionManager transactionManager() {
        return manager;
    }

    /** The JTA user transaction (what an application or Spring's {@code JtaTransactionManager} begins and commits with). */
    public UserTransaction userTransaction() {
        return manager;
    }

    /** The JTA synchronization registry (interposed synchronizations, per-transaction resources). */
    public TransactionSynchronizationRegistry synchronizationRegistry() {
        return manager;
    }

    /**
     * The pooled {@code DataSource} of the resource registered as {@code name}: inside a transaction
     * of this manager, {@code getConnection()} returns the transaction's connection to it (enlisted,
     * the same connection on every call; {@code close()} does not end its branch, and
     * {@code commit()}, {@code rollback()} and {@code setAutoCommit(true)} are refused). Outside
     * one, an ordinary auto-commit connection from a bounded pool.
     *
     * @throws IllegalArgumentException if no resource of that name is registered
     */
    public DataSource dataSource(String name) {
        JtaDataSource dataSource = dataSources.get(Objects.requireNonNull(name, "name"));
        if (dataSource == null) {
            throw new IllegalArgumentException("no data source '" + name + "' is registered; registered: "
                    + dataSources.keySet());
        }
        return dataSource;
    }

    /** The registered resources' names. */
    public Set<String> resources() {
        return dataSources.keySet();
    }

    /**
     * Closes the pools and the XA transactions underneath (with their own ZooKeeper connection, if
     * built from {@code baton.*} keys). Transactions still open should be completed first; what
     * they leave prepared, recovery finishes (here on the next start, or on any other instance).
     * Idempotent.
     */
    @Override
    public void close() {
        dataSources.values().forEach(JtaDataSource::close);
        matcher.close();
        xa.close();
    }

    @Override
    public String toString() {
        return "BatonJta" + dataSources.keySet();
    }

    /** Configures a {@link BatonJta}. Not thread-safe; use it on one thread, then {@link #start()}. */
    public static final class Builder {

        private final XaTransactions.Builder xa;
        private final Map<String, XADataSource> dataSources = new LinkedHashMap<>();
        private int poolSize = 16;
        private Duration connectionTimeout = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder(XaTransactions.Builder xa) {
            this.xa = xa;
        }

        /**
         * Registers an XA resource under {@code name}: its {@link BatonJta#dataSource(String)}, the
         * branches transactions open on it, and recovery of those branches by any instance that
         * registers the same name. Every instance of the application must register the same
         * resources under the same names.
         *
         * @throws IllegalArgumentException if the name is malformed (1 to 48 characters of
         *     {@code [A-Za-z0-9_.-]}) or already registered
         */
        public Builder dataSource(String name, XADataSource xaDataSource) {
            Objects.requireNonNull(xaDataSource, "xaDataSource");
            xa.resource(name, xaDataSource);
            dataSources.put(name, xaDataSource);
            return this;
        }

        /**
         * Connections per resource: at most this many XA connections in transactions, and as many
         * plain ones outside; idle ones are kept for reuse. Default 16.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder poolSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("the pool size must be at least 1: " + value);
            }
            poolSize = value;
            return this;
        }

        /**
         * How long {@code getConnection()} waits for a free connection before it fails. Default 30 s.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder connectionTimeout(Duration value) {
            Objects.requireNonNull(value, "connectionTimeout");
            if (value.isNegative()) {
                throw new IllegalArgumentException("the connection timeout must not be negative: " + value);
            }
            connectionTimeout = value;
            return this;
        }

        /**
         * The timeout of transactions begun while the thread has not set one
         * ({@code setTransactionTimeout}). Default 30 s ({@code baton.txn.timeout}).
         */
        public Builder defaultTimeout(Duration value) {
            xa.defaultTimeout(value);
            return this;
        }

        /** See {@link XaTransactions.Builder#recoveryGrace}. Default 10 s. */
        public Builder recoveryGrace(Duration value) {
            xa.recoveryGrace(value);
            return this;
        }

        /** See {@link XaTransactions.Builder#recoveryInterval}. Default 1 minute. */
        public Builder recoveryInterval(Duration value) {
            xa.recoveryInterval(value);
            return this;
        }

        /** Threads that prepare and commit branches in parallel and run recovery. Default 16. */
        public Builder threads(int value) {
            xa.threads(value);
            return this;
        }

        /** The clock timeouts are checked by. Default: the system clock. */
        public Builder clock(Clock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Test hook: {@code hook} sees the builder of the XA transactions underneath (a crash test's step listener). */
        Builder xaTransactions(Consumer<XaTransactions.Builder> hook) {
            hook.accept(xa);
            return this;
        }

        /**
         * Starts the XA transactions underneath (this instance's live node in ZooKeeper, recovery).
         *
         * @throws IllegalStateException if no data source was registered, or the Curator client is not started
         * @throws IllegalArgumentException if the Curator client uses a namespace (set the root path instead)
         * @throws TransactionException if ZooKeeper cannot be reached
         */
        public BatonJta start() {
            if (dataSources.isEmpty()) {
                throw new IllegalStateException("register at least one data source with dataSource(name, xaDataSource)"
                        + " before start()");
            }
            XaTransactions transactions = xa.poolSize(poolSize).maxConnections(poolSize, connectionTimeout).clock(clock)
                    .start();
            ResourceMatcher matcher = new ResourceMatcher(dataSources);
            BatonTransactionManager manager = new BatonTransactionManager(transactions, matcher, clock);
            Map<String, JtaDataSource> handedOut = new LinkedHashMap<>();
            dataSources.forEach((name, dataSource) -> handedOut.put(name, new JtaDataSource(name, dataSource, manager,
                    new PlainPool(name, dataSource, poolSize, connectionTimeout, clock))));
            return new BatonJta(transactions, manager, matcher, Collections.unmodifiableMap(handedOut));
        }
    }
}
