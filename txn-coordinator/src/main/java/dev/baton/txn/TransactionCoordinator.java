package dev.baton.txn;

import dev.baton.lock.LockException;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.txn.admin.TransactionAdmin;
import dev.baton.txn.internal.protocol.CoordinatorCore;
import dev.baton.txn.internal.protocol.LiveParticipants;
import dev.baton.txn.internal.protocol.SafeListener;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.protocol.TxnBegin;
import dev.baton.txn.internal.store.CuratorClients;
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.framework.CuratorFramework;
import org.jspecify.annotations.Nullable;

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
 * A transaction costs at most 2N+3 ZooKeeper writes for N participants. No thread waits on
 * ZooKeeper for a transaction in flight: the coordinator's few threads only run its steps.
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class TransactionCoordinator implements AutoCloseable {

    private final CoordinatorCore core;
    private final TxnBegin begin;
    private final Duration defaultTimeout;
    private final ZooKeeperLockOptions options;
    private final TransactionAdmin admin;

    private TransactionCoordinator(CoordinatorCore core, Duration defaultTimeout, ZooKeeperLockOptions options) {
        this.core = core;
        this.options = options;
        this.begin = new TxnBegin(core, new LiveParticipants(core.store.participants()));
        this.defaultTimeout = defaultTimeout;
        this.admin = TransactionAdmin.on(core.store.curator(), options, core.store.history().size());
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
     * TLS, loss policy) and {@link TxnConfig}'s ({@code baton.txn.timeout},
     * {@code baton.txn.history-size}). Closing the coordinator closes the connection.
     *
     * @throws IllegalArgumentException for an unknown key or malformed value, named in the message
     * @throws TransactionException if ZooKeeper cannot be reached within the connection timeout
     */
    public static TransactionCoordinator open(Map<String, String> config) {
        return open(config, TxnListener.NONE);
    }

    /**
     * As {@link #open(Map)}, telling {@code listener} of commits, outcomes and takeovers.
     *
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException for an unknown key or malformed value, named in the message
     * @throws TransactionException if ZooKeeper cannot be reached within the connection timeout
     */
    public static TransactionCoordinator open(Map<String, String> config, TxnListener listener) {
        Objects.requireNonNull(listener, "listener");
        BatonConfig parsed = TxnConfig.parse(Objects.requireNonNull(config, "config"));
        CallerQueues queues;
        try {
            queues = CallerQueues.open(parsed);
        } catch (LockException e) {
            throw new TransactionException("cannot connect to ZooKeeper: " + e.getMessage(), e);
        }
        try {
            return new Builder(queues.curator()).options(queues.options())
                    .defaultTimeout(parsed.require(TxnConfig.TIMEOUT)).historySize(parsed.require(TxnConfig.HISTORY_SIZE))
                    .listener(listener).start(queues);
        } catch (RuntimeException e) {
            queues.close();
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
     * Where transaction {@code txnId} stands, read from ZooKeeper: preparing, decided, finished
     * (from the history), never begun, or unknown (it may have finished and left the history).
     * This is the answer to look up after an {@link OutcomeUnknownException}.
     *
     * @throws NullPointerException if {@code txnId} is null
     * @throws IllegalArgumentException if {@code txnId} is not a transaction id
     * @throws TransactionException if ZooKeeper cannot be read, or the transaction's nodes are damaged
     */
    public TransactionStatus status(String txnId) {
        return admin.status(txnId);
    }

    /**
     * Where transaction {@code txnId} is, read from ZooKeeper: {@link TransactionState#PREPARING},
     * {@link TransactionState#COMMITTED} or {@link TransactionState#ABORTED}. A finished
     * transaction's znodes are deleted; its state is then read from the history. Empty if there is
     * no such transaction, or it finished so long ago that the history no longer holds it;
     * {@link #status} tells these two apart.
     *
     * @throws NullPointerException if {@code txnId} is null
     * @throws TransactionException if ZooKeeper cannot be read, or the transaction's nodes are damaged
     */
    public Optional<TransactionState> state(String txnId) {
        return admin.state(txnId);
    }

    /**
     * How transaction {@code txnId} ended, once it is decided: from its znodes while participants
     * apply the decision, then from the history of the last {@link Builder#historySize} finished
     * transactions (where {@link Outcome#finishedAt()} is set). Empty if it is not decided yet, does
     * not exist, or has left the history; {@link #status} tells these apart.
     *
     * @throws NullPointerException if {@code txnId} is null
     * @throws TransactionException if ZooKeeper cannot be read, or the transaction's nodes are damaged
     */
    public Optional<Outcome> outcome(String txnId) {
        return admin.outcome(txnId);
    }

    /**
     * Operator actions and the history (listing open transactions, aborting one by hand, recent
     * outcomes, forgetting one), on this coordinator's session, root and history size. The same
     * instance every time; closing it does nothing (the session is the coordinator's).
     */
    public TransactionAdmin admin() {
        return admin;
    }

    /**
     * Transactions this instance found damaged or foreign under its namespace, by id, with what is
     * wrong. Each is reported (logged at WARN) once and then left alone, never retried in a loop.
     */
    public Map<String, String> problems() {
        return core.problems();
    }

    /**
     * The Curator client underneath, for a {@link dev.baton.txn.participant.ParticipantHost} that
     * shares the session: prefer {@code ParticipantHost.builder(coordinator)}, which also takes
     * the coordinator's root path and ACL.
     */
    public CuratorFramework curator() {
        return core.store.curator();
    }

    /** The root path, ACL and loss policy this coordinator runs with. */
    public ZooKeeperLockOptions options() {
        return options;
    }

    /**
     * Stops. Callers waiting for a decision get an {@link OutcomeUnknownException}; the
     * transactions themselves go on and are finished by another instance (this one releases its
     * driver leases so that happens at once). Closes the ZooKeeper connection if the coordinator
     * opened it. Idempotent.
     */
    @Override
    public void close() {
        core.close();
    }

    /** The driver lease's fencing token of {@code txnId} if this instance drives it now, else -1. For tests. */
    long driverToken(String txnId) {
        return core.driverToken(txnId);
    }

    CoordinatorCore core() {
        return core;
    }

    CompletableFuture<Outcome> submit(Map<String, byte[]> branches, Duration timeout) {
        checkOpen();
        CompletableFuture<Outcome> future = new CompletableFuture<>();
        timed(future);
        begin.begin(branches, timeout, future);
        return future;
    }

    /**
     * Begins for a caller that then waits on the returned future on its own thread: its
     * completion only wakes that caller, so it may complete in place, without a thread hop.
     */
    CompletableFuture<Outcome> commitHere(Map<String, byte[]> branches, Duration timeout) {
        checkOpen();
        CompletableFuture<Outcome> future = new CoordinatorCore.Awaited<>();
        timed(future);
        begin.begin(branches, timeout, future);
        return future;
    }

    /** Tells the listener how the caller's commit ended, and after how long. */
    private void timed(CompletableFuture<Outcome> future) {
        if (core.listener == TxnListener.NONE) {
            return;
        }
        long started = System.nanoTime();
        future.whenComplete((outcome, failure) -> {
            Throwable cause = failure == null ? null : TxnStore.unwrap(failure);
            core.listener.commitEnded(TxnListener.Path.DISTRIBUTED, outcome,
                    cause instanceof TransactionException ? (TransactionException) cause : null,
                    SafeListener.since(started));
        });
    }

    /**
     * Transactions begun and not yet collected that this instance follows (every instance follows
     * every open transaction of its root), for a gauge.
     */
    public int openTransactions() {
        return core.knownTransactions();
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
        private Duration defaultTimeout = Objects.requireNonNull(TxnConfig.TIMEOUT.defaultValue());
        private Clock clock = Clock.systemUTC();
        private int historySize = TxnHistory.DEFAULT_SIZE;
        private int threads = 4;
        private Duration historyIdleTrim = Duration.ofSeconds(10);
        private StepListener steps = StepListener.NONE;
        private TxnListener listener = TxnListener.NONE;
        private TxnStore.@Nullable Resend resend;

        private Builder(CuratorFramework curator) {
            this.curator = curator;
        }

        /**
         * How many outcomes of finished transactions the history keeps ({@link #outcome},
         * {@link TransactionAdmin#recentOutcomes()}): an entry is added by the write that collects
         * a transaction, and one instance at a time (the history keeper) deletes the oldest beyond
         * this size in its own collects. 0 keeps none. Default 1,000; every coordinator of a
         * namespace should use the same value.
         *
         * @throws IllegalArgumentException if negative or over 10,000
         */
        public Builder historySize(int value) {
            if (value < 0 || value > TxnHistory.MAX_SIZE) {
                throw new IllegalArgumentException("the history size must be 0 to " + TxnHistory.MAX_SIZE + ": " + value);
            }
            historySize = value;
            return this;
        }

        /**
         * Root path, ACL and loss policy, shared with Baton's lock client on the same ensemble.
         * Default: {@code /baton}, open ACL; a driver lease is lost, and its transaction passed on,
         * when the connection is suspended.
         */
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

        /**
         * How many threads run the coordinator's steps. They never wait on ZooKeeper, so a few serve
         * any number of transactions in flight. Default 4.
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
         * Told of commits, outcomes and takeovers, for metrics ({@code MicrometerTxnListener} in
         * baton-micrometer). What it throws is logged and ignored.
         *
         * @throws NullPointerException if {@code value} is null
         */
        public Builder listener(TxnListener value) {
            listener = Objects.requireNonNull(value, "listener");
            return this;
        }

        /** How long the history keeper may collect nothing before it trims the history with a write of its own. */
        Builder historyIdleTrim(Duration value) {
            historyIdleTrim = value;
            return this;
        }

        Builder steps(StepListener value) {
            steps = value;
            return this;
        }

        /** Test hook: writes this coordinator sends may be sent again (see {@link TxnStore.Resend}). */
        Builder resend(TxnStore.Resend value) {
            resend = value;
            return this;
        }

        /**
         * Creates the namespace if needed and starts following every transaction already in it.
         *
         * @throws IllegalStateException if the Curator client is not started
         * @throws IllegalArgumentException if the Curator client uses a namespace (set the root
         *     path with {@link #options} instead)
         * @throws TransactionException if ZooKeeper cannot be reached or refuses the namespace
         */
        public TransactionCoordinator start() {
            return start(null);
        }

        /** @param owned queues on {@code curator} that the coordinator takes over, or null to wrap some */
        private TransactionCoordinator start(@Nullable CallerQueues owned) {
            CuratorClients.checkUsable(curator, "the coordinator");
            CallerQueues queues;
            try {
                queues = owned != null ? owned : CallerQueues.wrap(curator, options);
            } catch (LockException e) {
                throw new TransactionException("cannot set up " + options.rootPath() + " in ZooKeeper: "
                        + e.getMessage(), e);
            }
            TxnStore store = new TxnStore(curator, options.acl(), options.rootPath(), historySize);
            store.resend(resend);
            CoordinatorCore core = new CoordinatorCore(store, queues, historyIdleTrim, clock, steps, threads, listener);
            try {
                core.start();
            } catch (RuntimeException e) {
                core.close();
                throw new TransactionException("cannot set up " + options.rootPath() + "/txn in ZooKeeper: "
                        + e.getMessage(), e);
            }
            return new TransactionCoordinator(core, defaultTimeout, options);
        }
    }
}
