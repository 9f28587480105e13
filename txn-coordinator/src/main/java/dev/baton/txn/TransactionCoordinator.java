package dev.baton.txn;

import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.zookeeper.ZooKeeperLockClient;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.lock.zookeeper.ZooKeeperLockProvider;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;

/**
 * Runs two-phase-commit transactions whose state lives in ZooKeeper. Any number of instances may
 * run, with no configured ids: each drives the transactions it begins, and takes over any
 * transaction whose driving instance died, from whatever state its znodes show.
 *
 * <pre>{@code
 * try (TransactionCoordinator coordinator = TransactionCoordinator.start(curator)) {
 *     Outcome outcome = coordinator.begin()
 *             .branch("ledger-a", debit).branch("ledger-b", credit)
 *             .timeout(Duration.ofSeconds(5))
 *             .commit();
 * }
 * }</pre>
 *
 * <p>Guarantee: every transaction that was begun ends atomically (all participants commit, or
 * none does) as long as ZooKeeper keeps a quorum, whatever coordinators or participants crash.
 * A transaction costs at most 2N+3 ZooKeeper writes for N participants.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class TransactionCoordinator implements AutoCloseable {

    private final CoordinatorCore core;
    private final TxnBegin begin;
    private final Duration defaultTimeout;
    private final AutoCloseable owned;

    private TransactionCoordinator(CoordinatorCore core, Duration defaultTimeout, AutoCloseable owned) {
        this.core = core;
        this.begin = new TxnBegin(core, new LiveParticipants(core.zk, core.layout));
        this.defaultTimeout = defaultTimeout;
        this.owned = owned;
    }

    /**
     * A coordinator on a started Curator client the caller keeps (closing the coordinator leaves it
     * open), with the default root {@code /baton}, open ACL and a 30 s default timeout.
     *
     * @throws NullPointerException if {@code curator} is null
     * @throws IllegalStateException if {@code curator} is not started
     * @throws TransactionException if ZooKeeper cannot be reached to create the namespace
     */
    public static TransactionCoordinator start(CuratorFramework curator) {
        return builder(curator).start();
    }

    /** A builder for a coordinator on a Curator client the caller has started and keeps. */
    public static Builder builder(CuratorFramework curator) {
        return new Builder(Objects.requireNonNull(curator, "curator"));
    }

    /**
     * A coordinator with its own ZooKeeper connection, configured by {@code baton.*} keys: the
     * ZooKeeper backend's ({@code baton.zookeeper.connect} required; session timeout, root, auth,
     * TLS) and {@link TxnConfig}'s. Closing the coordinator closes the connection.
     *
     * @throws IllegalArgumentException for an unknown key or malformed value, named in the message
     * @throws dev.baton.lock.LockException if ZooKeeper cannot be reached within the connection timeout
     */
    public static TransactionCoordinator open(Map<String, String> config) {
        BatonConfig parsed = TxnConfig.parse(Objects.requireNonNull(config, "config"));
        ZooKeeperLockClient client = (ZooKeeperLockClient) new ZooKeeperLockProvider().open(parsed);
        try {
            return new Builder(client.curator()).options(client.options())
                    .defaultTimeout(parsed.get(TxnConfig.TIMEOUT)).start(client);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Same as {@link #open(Map)}, from {@link Properties} (string keys and values only). */
    public static TransactionCoordinator open(Properties properties) {
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return open(map);
    }

    /**
     * Starts putting a transaction together. Nothing is written until its {@code commit}.
     *
     * @throws IllegalStateException if the coordinator is closed
     */
    public TransactionBuilder begin() {
        checkOpen();
        return new TransactionBuilder(this, defaultTimeout);
    }

    /**
     * Where transaction {@code txnId} is, read from ZooKeeper: {@link TransactionState#PREPARING},
     * {@link TransactionState#COMMITTED} or {@link TransactionState#ABORTED}; empty if there is no
     * such transaction, which includes one that ended and whose znodes were deleted after every
     * participant applied the decision.
     *
     * @throws TransactionException if ZooKeeper cannot be read, or the decision node is damaged
     */
    public Optional<TransactionState> state(String txnId) {
        Objects.requireNonNull(txnId, "txnId");
        if (!TxnNames.isTxnId(txnId)) {
            return Optional.empty();
        }
        try {
            if (core.zk.exists(core.layout.record(txnId), null) == null) {
                return Optional.empty();
            }
            byte[] decision = core.zk.data(core.layout.decision(txnId), null);
            return Optional.of(decision == null ? TransactionState.PREPARING : Decision.decode(txnId, decision).state());
        } catch (CorruptNodeException e) {
            throw new TransactionException(txnId, e.getMessage(), e);
        } catch (Exception e) {
            throw new TransactionException(txnId, "cannot read its state from ZooKeeper: " + e, e);
        }
    }

    /**
     * Transactions this instance found damaged or foreign under its namespace, by id, with what is
     * wrong. Each is reported (logged at WARN) once and then left alone, never retried in a loop.
     */
    public Map<String, String> problems() {
        return core.problems();
    }

    /** The Curator client underneath, for a {@link ParticipantHost} that shares the session. */
    public CuratorFramework curator() {
        return core.zk.curator();
    }

    /**
     * Stops. Callers waiting for a decision get a {@link TransactionException}; the transactions
     * themselves go on and are finished by another instance (this one gives up its driver nodes so
     * that happens at once). Idempotent.
     */
    @Override
    public void close() {
        core.close();
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                // closing our own connection: nothing the caller can do about a failure
            }
        }
    }

    CoordinatorCore core() {
        return core;
    }

    CompletableFuture<Outcome> submit(Map<String, byte[]> branches, Duration timeout) {
        checkOpen();
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        core.execute(() -> begin.begin(branches, timeout, future));
        return future;
    }

    private void checkOpen() {
        if (core.isClosed()) {
            throw new IllegalStateException("this transaction coordinator is closed");
        }
    }

    /**
     * Configures a {@link TransactionCoordinator} on a Curator client the caller started and keeps.
     *
     * <p>Not thread-safe; use it on one thread, then {@link #start()}.
     */
    public static final class Builder {

        private final CuratorFramework curator;
        private ZooKeeperLockOptions options = ZooKeeperLockOptions.defaults();
        private Duration defaultTimeout = TxnConfig.TIMEOUT.defaultValue();
        private Clock clock = Clock.systemUTC();
        private StepListener steps = StepListener.NONE;

        private Builder(CuratorFramework curator) {
            this.curator = curator;
        }

        /** Root path and ACL, shared with Baton's lock client on the same ensemble. Default: {@code /baton}, open ACL. */
        public Builder options(ZooKeeperLockOptions value) {
            options = Objects.requireNonNull(value, "options");
            return this;
        }

        /**
         * The timeout of transactions that do not set one. Default 30 s.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder defaultTimeout(Duration value) {
            Objects.requireNonNull(value, "defaultTimeout");
            if (value.isZero() || value.isNegative()) {
                throw new IllegalArgumentException("the default timeout must be positive, but is " + value);
            }
            defaultTimeout = value;
            return this;
        }

        /** The clock deadlines are set and checked by. Default: the system clock, UTC. */
        public Builder clock(Clock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        Builder steps(StepListener value) {
            steps = value;
            return this;
        }

        /**
         * Creates the namespace if needed and starts following every transaction already in it.
         *
         * @throws IllegalStateException if the Curator client is not started
         * @throws TransactionException if ZooKeeper cannot be reached or refuses the namespace
         */
        public TransactionCoordinator start() {
            return start(null);
        }

        private TransactionCoordinator start(AutoCloseable owned) {
            if (curator.getState() != CuratorFrameworkState.STARTED) {
                throw new IllegalStateException("the Curator client must be started before the coordinator uses it");
            }
            Zk zk = new Zk(curator, options.acl());
            CoordinatorCore core = new CoordinatorCore(zk, new TxnLayout(options.rootPath()), clock, steps);
            try {
                core.start();
            } catch (Exception e) {
                core.close();
                throw new TransactionException(null, "cannot set up " + options.rootPath() + "/txn in ZooKeeper: " + e, e);
            }
            return new TransactionCoordinator(core, defaultTimeout, owned);
        }
    }
}
