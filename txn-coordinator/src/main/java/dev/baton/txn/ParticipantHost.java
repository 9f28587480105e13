package dev.baton.txn;

import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;

/**
 * Runs named {@link Participant}s for a service: registers each as live (an ephemeral node under
 * {@code /baton/participants/<name>/live}), watches each one's inbox in ZooKeeper (no polling), and
 * for every transaction there prepares, votes, waits for the decision, applies it and acknowledges.
 *
 * <pre>{@code
 * try (ParticipantHost host = ParticipantHost.builder(curator)
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

    private final HostCore core;
    private final List<HostedParticipant> participants;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConnectionStateListener connectionListener = this::connectionChanged;

    private ParticipantHost(HostCore core, List<HostedParticipant> participants) {
        this.core = core;
        this.participants = participants;
    }

    /** A builder for a host on a Curator client the caller has started and keeps. */
    public static Builder builder(CuratorFramework curator) {
        return new Builder(Objects.requireNonNull(curator, "curator"));
    }

    /** The names of the hosted participants. */
    public Set<String> participants() {
        Set<String> names = new java.util.LinkedHashSet<>();
        participants.forEach(p -> names.add(p.name));
        return names;
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
     * instance (or a restart) finishes them from the inbox. Leaves the Curator client open. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        core.zk.curator().getConnectionStateListenable().removeListener(connectionListener);
        core.close();
        participants.forEach(HostedParticipant::unregister);
    }

    private void connectionChanged(CuratorFramework client, ConnectionState state) {
        if (state == ConnectionState.RECONNECTED) {
            participants.forEach(HostedParticipant::resync);
        }
    }

    /**
     * Configures a {@link ParticipantHost}.
     *
     * <p>Not thread-safe; use it on one thread, then {@link #start()}.
     */
    public static final class Builder {

        private final CuratorFramework curator;
        private final Map<String, Participant> participants = new LinkedHashMap<>();
        private ZooKeeperLockOptions options = ZooKeeperLockOptions.defaults();
        private Duration abortGrace = DEFAULT_ABORT_GRACE;
        private Clock clock = Clock.systemUTC();
        private int threads = 4;
        private StepListener steps = StepListener.NONE;

        private Builder(CuratorFramework curator) {
            this.curator = curator;
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

        /** Root path and ACL; must match the coordinators'. Default: {@code /baton}, open ACL. */
        public Builder options(ZooKeeperLockOptions value) {
            options = Objects.requireNonNull(value, "options");
            return this;
        }

        /**
         * How long past a transaction's deadline a participant that voted YES waits for the
         * decision before it decides ABORT itself. Longer than the clock skew between hosts and
         * coordinators; default 10 s.
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
         * How many threads call the participants (prepare, commit, abort). Default 4.
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

        Builder steps(StepListener value) {
            steps = value;
            return this;
        }

        /**
         * Registers every participant as live and starts working: reconciliation and the inbox
         * are processed in the background.
         *
         * @throws IllegalStateException if no participant was added or the Curator client is not started
         * @throws TransactionException if ZooKeeper cannot be reached to register
         */
        public ParticipantHost start() {
            if (participants.isEmpty()) {
                throw new IllegalStateException("add at least one participant before start()");
            }
            if (curator.getState() != CuratorFrameworkState.STARTED) {
                throw new IllegalStateException("the Curator client must be started before the host uses it");
            }
            HostCore core = new HostCore(new Zk(curator, options.acl()), new TxnLayout(options.rootPath()), clock,
                    abortGrace, threads, steps);
            List<HostedParticipant> hosted = new ArrayList<>();
            participants.forEach((name, participant) -> hosted.add(new HostedParticipant(core, name, participant)));
            ParticipantHost host = new ParticipantHost(core, List.copyOf(hosted));
            try {
                for (HostedParticipant participant : hosted) {
                    participant.start();
                }
            } catch (Exception e) {
                host.close();
                throw new TransactionException(null, "cannot register participants in ZooKeeper: " + e, e);
            }
            curator.getConnectionStateListenable().addListener(host.connectionListener);
            return host;
        }
    }
}
