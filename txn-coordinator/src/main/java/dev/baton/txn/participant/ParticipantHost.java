package dev.baton.txn.participant;

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
import dev.baton.txn.internal.store.TxnHistory;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.TxnStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.jspecify.annotations.Nullable;

/**
 * Runs named {@link Participant}s for a service: registers each as live (an ephemeral node under
 * {@code /baton/participants/<name>/live}), watches each one's inbox in ZooKeeper (no polling), and
 * for every transaction there prepares, votes, waits for the decision, applies it and acknowledges.
 *
 * <pre>{@code
 * try (ParticipantHost host = ParticipantHost.builder(curator)        // or builder(Map.of("baton.zookeeper.connect", ...))
 *         .participant("ledger-a", new XaParticipant(xaDataSource, work))
 *         .start()) {
 *     ... // serve until shutdown
 * }
 * }</pre>
 *
 * <p>On start it reconciles: it asks each participant for its prepared branches
 * ({@link Participant#inDoubt}, {@code XAResource.recover()} for XA), then works through the inbox,
 * which holds every transaction the participant has not acknowledged yet, voted or not. A branch
 * voted YES before a crash is applied once its decision is there. A participant that voted YES and
 * sees no decision by the deadline plus {@linkplain Builder#abortGrace the grace period} decides
 * ABORT itself, so a dead coordinator never blocks it.
 *
 * <p>Several instances of one participant may run on the same resource (each registers its own
 * live node). Each branch is then handled by whichever instances get to it; every prepare is a
 * separate attempt, the first vote written names the attempt that counts and every other attempt
 * is rolled back, so the work is never applied twice (see {@link Participant}).
 *
 * <p>Thread safety: safe for use by any number of threads.
 */
public final class ParticipantHost implements AutoCloseable {

    /** The default of {@link Builder#abortGrace}: 10 seconds. */
    public static final Duration DEFAULT_ABORT_GRACE = Duration.ofSeconds(10);

    /** The default of {@link Builder#threads}: 4. */
    public static final int DEFAULT_THREADS = 4;

    private final HostCore core;
    private final List<HostedParticipant> participants;
    private final @Nullable AutoCloseable owned;
    private final AtomicBoolean closed = new AtomicBoolean();

    private ParticipantHost(HostCore core, List<HostedParticipant> participants, @Nullable AutoCloseable owned) {
        this.core = core;
        this.participants = participants;
        this.owned = owned;
    }

    /**
     * A builder for a host on a Curator client the caller has started and keeps (no namespace), with
     * the default root path {@code /baton} and open ACL unless {@link Builder#options} says otherwise. To share
     * a coordinator's session, use {@link #builder(TransactionCoordinator)}.
     */
    public static Builder builder(CuratorFramework curator) {
        return new Builder(Objects.requireNonNull(curator, "curator"), null);
    }

    /**
     * A builder for a host that shares {@code coordinator}'s ZooKeeper session, root path and ACL,
     * so the two cannot disagree on where transactions live. The coordinator keeps owning the
     * session: close the host first.
     */
    public static Builder builder(TransactionCoordinator coordinator) {
        Objects.requireNonNull(coordinator, "coordinator");
        return new Builder(coordinator.curator(), null).options(coordinator.options());
    }

    /**
     * A builder for a host with its own ZooKeeper connection, configured by {@code baton.*} keys:
     * the ZooKeeper backend's ({@code baton.zookeeper.connect} required; session timeout, root,
     * auth, TLS) and {@link TxnConfig}'s ({@code baton.txn.abort-grace},
     * {@code baton.txn.participant-threads}), so one {@code baton.properties} serves locks,
     * coordinators and hosts. The keys are checked here; the connection is opened by
     * {@link Builder#start()} and closed with the host. Builder calls override the keys.
     *
     * @throws IllegalArgumentException for an unknown key or malformed value, named in the message,
     *     or a missing {@code baton.zookeeper.connect}
     */
    public static Builder builder(Map<String, String> config) {
        return new Builder(null, TxnConfig.parse(Objects.requireNonNull(config, "config")));
    }

    /** Same as {@link #builder(Map)}, from {@link Properties} (string keys and values only). */
    public static Builder builder(Properties properties) {
        Map<String, String> map = new java.util.HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name, properties.getProperty(name)));
        return builder(map);
    }

    /** The names of the hosted participants. */
    public Set<String> participants() {
        Set<String> names = new java.util.LinkedHashSet<>();
        participants.forEach(p -> names.add(p.name));
        return names;
    }

    /**
     * The branches of {@code participant} in doubt here: voted YES by this host, the decision not
     * known to it yet. For a gauge: a count that stays up, or an oldest age that grows, means
     * coordinators are not deciding (or this host does not hear of it).
     *
     * @throws IllegalArgumentException if this host does not host {@code participant}
     */
    public InDoubt inDoubt(String participant) {
        for (HostedParticipant hosted : participants) {
            if (hosted.name.equals(participant)) {
                return hosted.inDoubt();
            }
        }
        throw new IllegalArgumentException("this host does not host participant '" + participant + "'; it hosts "
                + participants());
    }

    /**
     * In-doubt branches of one participant: how many, and how long the oldest has waited for its
     * decision since its YES vote ({@link Duration#ZERO} when there is none).
     */
    public record InDoubt(int branches, Duration oldest) {
    }

    HostCore core() {
        return core;
    }

    /** The grace period this host gives coordinators past a deadline. For tests. */
    Duration abortGrace() {
        return core.abortGrace;
    }

    /**
     * Branches this host found damaged (a foreign inbox entry, an unreadable record, a COMMIT without
     * its vote), keyed by {@code participant/txnId} or path, with what is wrong. Each is reported
     * once (logged at WARN) and left alone.
     */
    public Map<String, String> problems() {
        return core.problems();
    }

    /**
     * Stops: removes the live nodes and stops working. Prepared branches stay prepared; the next
     * instance (or a restart) finishes them from the inbox. Leaves a Curator client given to
     * {@link #builder(CuratorFramework)} open, and closes a connection the host opened. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
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
     * Configures a {@link ParticipantHost}.
     *
     * <p>Not thread-safe; use it on one thread, then {@link #start()}.
     */
    public static final class Builder {

        private final @Nullable CuratorFramework curator;
        private final @Nullable BatonConfig config;
        private final Map<String, Participant> participants = new LinkedHashMap<>();
        private @Nullable ZooKeeperLockOptions options;
        private Duration abortGrace;
        private Clock clock = Clock.systemUTC();
        private int threads;
        private StepListener steps = StepListener.NONE;
        private TxnListener listener = TxnListener.NONE;
        private TxnStore.@Nullable Resend resend;
        private boolean persistentWatches = true;

        private Builder(@Nullable CuratorFramework curator, @Nullable BatonConfig config) {
            this.curator = curator;
            this.config = config;
            this.options = config == null ? ZooKeeperLockOptions.defaults() : null;
            this.abortGrace = config == null ? DEFAULT_ABORT_GRACE : config.require(TxnConfig.ABORT_GRACE);
            this.threads = config == null ? DEFAULT_THREADS : config.require(TxnConfig.PARTICIPANT_THREADS);
        }

        /**
         * Hosts {@code participant} under {@code name}, the name coordinators address it by.
         *
         * @throws IllegalArgumentException if the name is malformed (1 to 48 characters of
         *     {@code [A-Za-z0-9_.-]}, not starting with '.') or already used in this host
         */
        public Builder participant(String name, Participant participant) {
            TxnNames.checkParticipant(name);
            Objects.requireNonNull(participant, "participant");
            if (participants.putIfAbsent(name, participant) != null) {
                throw new IllegalArgumentException("participant '" + name + "' is already hosted here");
            }
            return this;
        }

        /**
         * Root path and ACL; must match the coordinators'. Default: {@code /baton}, open ACL; or,
         * for a host built from configuration, what {@code baton.zookeeper.root} and
         * {@code baton.zookeeper.auth} say.
         */
        public Builder options(ZooKeeperLockOptions value) {
            options = Objects.requireNonNull(value, "options");
            return this;
        }

        /**
         * How long past a transaction's deadline a participant that voted YES waits for the
         * decision before it decides ABORT itself. Longer than the clock skew between hosts and
         * coordinators; default 10 s ({@code baton.txn.abort-grace}).
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder abortGrace(Duration value) {
            Objects.requireNonNull(value, "abortGrace");
            if (value.isNegative()) {
                throw new IllegalArgumentException("the abort grace period must not be negative: " + value);
            }
            abortGrace = value;
            return this;
        }

        /** The clock deadlines are checked by. Default: the system clock. */
        public Builder clock(Clock value) {
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * How many threads call the participants (prepare, commit, abort). Default 4
         * ({@code baton.txn.participant-threads}).
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
         * Told of each prepare (with the vote) and each decision applied, with how long the
         * participant took, for metrics ({@code MicrometerTxnListener} in baton-micrometer). What
         * it throws is logged and ignored.
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

        /** Test hook: writes this host sends may be sent again (see {@link TxnStore.Resend}). */
        Builder resend(TxnStore.Resend value) {
            resend = value;
            return this;
        }

        /** Test hook: without persistent watches, as on a ZooKeeper server before 3.6. */
        Builder withoutPersistentWatches() {
            persistentWatches = false;
            return this;
        }

        /**
         * Registers every participant as live and starts working: reconciliation and the inbox
         * are processed in the background. A host built from configuration connects first.
         *
         * @throws IllegalStateException if no participant was added or the Curator client is not started
         * @throws IllegalArgumentException if the Curator client uses a namespace (set the root path instead)
         * @throws TransactionException if ZooKeeper cannot be reached to register, or a host built
         *     from configuration cannot connect within the connection timeout
         */
        public ParticipantHost start() {
            if (participants.isEmpty()) {
                throw new IllegalStateException("add at least one participant before start()");
            }
            if (config == null) {
                return start(Objects.requireNonNull(curator), Objects.requireNonNull(options), null);
            }
            CallerQueues connection = openConnection(config);
            try {
                return start(connection.curator(), options != null ? options : connection.options(), connection);
            } catch (RuntimeException e) {
                connection.close();
                throw e;
            }
        }

        private static CallerQueues openConnection(BatonConfig config) {
            try {
                return CallerQueues.open(config);
            } catch (LockException e) {
                throw new TransactionException("cannot connect to ZooKeeper: " + e.getMessage(), e);
            }
        }

        private ParticipantHost start(CuratorFramework client, ZooKeeperLockOptions layout,
                @Nullable AutoCloseable owned) {
            CuratorClients.checkUsable(client, "the host");
            TxnStore store = new TxnStore(client, layout.acl(), layout.rootPath(), TxnHistory.DEFAULT_SIZE);
            store.resend(resend);
            HostCore core = new HostCore(store, clock, abortGrace, threads, steps, listener);
            core.persistentWatches = persistentWatches;
            List<HostedParticipant> hosted = new ArrayList<>();
            participants.forEach((name, participant) -> hosted.add(new HostedParticipant(core, name, participant)));
            core.host(hosted);
            ParticipantHost host = new ParticipantHost(core, List.copyOf(hosted), owned);
            try {
                core.start();
            } catch (RuntimeException e) {
                host.close();
                throw new TransactionException("cannot register participants in ZooKeeper: " + e.getMessage(), e);
            }
            return host;
        }
    }
}
