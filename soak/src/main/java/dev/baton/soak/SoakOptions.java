package dev.baton.soak;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One soak run's settings.
 *
 * @param backend {@code zookeeper}, {@code redis}, {@code redisson}, {@code redis-sentinel} or {@code redis-cluster}
 * @param faults the kinds to inject, one phase each, in this order
 * @param injections injections per kind
 * @param maxPhase a phase also ends when this much time has passed
 * @param workers worker JVMs
 * @param locks lock names the workers share
 * @param horizon ZooKeeper session timeout, or Redis lease time
 * @param lostOn ZooKeeper's {@code baton.zookeeper.lost-on}
 * @param listClientAddresses ZooKeeper servers' configuration lists client addresses (Curator's ensemble tracker then follows them)
 * @param selfTest what to break on purpose
 * @param out where the history, logs and report go
 * @param recoveryTimeout how long grants may take to resume after a fault heals
 * @param holdMillis work between a validity check and the write
 * @param writes writes per critical section
 * @param acquireWait {@code tryAcquire} budget
 * @param clientOverrides {@code baton.*} keys given to every worker over the cluster's own
 * @param accounts 2PC: accounts in each bank
 * @param recoveryGrace 2PC: {@code XaTransactions.Builder.recoveryGrace} of the workers
 * @param quiet how long the nemesis waits after grants resumed before the next fault, so that each
 *     fault strikes a settled system (waiters queued, leases renewed) rather than the last one's recovery
 */
public record SoakOptions(String backend, List<FaultKind> faults, int injections, Duration maxPhase, int workers,
                          int locks, Duration horizon, String lostOn, boolean listClientAddresses, SelfTest selfTest,
                          Path out, Duration recoveryTimeout, long holdMillis, int writes, Duration acquireWait,
                          Map<String, String> clientOverrides, Duration quiet, int accounts,
                          Duration recoveryGrace) {

    /** What a self-test breaks. */
    public enum SelfTest {
        /** Nothing. */
        NONE,
        /** The fenced resource accepts stale tokens. */
        RESOURCE,
        /** A lock that grants twice: workers sometimes act without a grant, with an old token. */
        LOCK,
        /** Workers never hear of {@code lost()}. */
        LOST,
        /**
         * 2PC ({@code --self-test 2pc}): transfer workers commit some transfers on one bank only and
         * report them committed, report some commits as aborts, and one leaves a foreign prepared
         * transaction behind.
         */
        TRANSFERS;

        /** The kind named on the command line: {@code none}, {@code resource}, {@code lock}, {@code lost}, {@code 2pc}. */
        public static SelfTest of(String id) {
            String name = id.trim().toUpperCase(java.util.Locale.ROOT);
            return name.equals("2PC") ? TRANSFERS : valueOf(name);
        }
    }

    public SoakOptions {
        Objects.requireNonNull(backend, "backend");
        faults = List.copyOf(faults);
        clientOverrides = Map.copyOf(clientOverrides);
        if (injections < 0 || workers < 1 || locks < 1 || writes < 1 || accounts < 1) {
            throw new IllegalArgumentException("injections >= 0, workers, locks, writes and accounts >= 1");
        }
    }

    /**
     * Defaults for a backend: 3 workers, 2 locks, 5 injections per kind, a 2 s horizon, and critical
     * sections of 20 writes 100 ms apart: about as long as the horizon, so that a fault that strikes
     * a holder finds it mid-section, and its lease is lost before it would have released it.
     */
    public static SoakOptions defaults(String backend, List<FaultKind> faults, Path out) {
        return new SoakOptions(backend, faults, 5, Duration.ofMinutes(30), 3, 2, Duration.ofSeconds(2), "suspended",
                false, SelfTest.NONE, out, Duration.ofSeconds(60), 100, 20, Duration.ofSeconds(1), Map.of(), Duration.ofSeconds(2), 50,
                Duration.ofSeconds(1));
    }

    public SoakOptions withInjections(int n) {
        return new SoakOptions(backend, faults, n, maxPhase, workers, locks, horizon, lostOn, listClientAddresses,
                selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withMaxPhase(Duration d) {
        return new SoakOptions(backend, faults, injections, d, workers, locks, horizon, lostOn, listClientAddresses,
                selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withWorkers(int n) {
        return new SoakOptions(backend, faults, injections, maxPhase, n, locks, horizon, lostOn, listClientAddresses,
                selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withHorizon(Duration d) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, d, lostOn, listClientAddresses,
                selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withLostOn(String policy) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, policy,
                listClientAddresses, selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withListClientAddresses(boolean list) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn, list,
                selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withSelfTest(SelfTest test) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn,
                listClientAddresses, test, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withLocks(int n) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, n, horizon, lostOn,
                listClientAddresses, selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    /** Critical sections of {@code n} writes, {@code millis} apart. */
    public SoakOptions withSections(int n, long millis) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn,
                listClientAddresses, selfTest, out, recoveryTimeout, millis, n, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withRecoveryTimeout(Duration d) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn,
                listClientAddresses, selfTest, out, d, holdMillis, writes, acquireWait, clientOverrides, quiet, accounts, recoveryGrace);
    }

    /** Client keys that override the cluster's (e.g. {@code baton.redis.timeout=3s}). */
    public SoakOptions withClientOverrides(Map<String, String> overrides) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn,
                listClientAddresses, selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, overrides, quiet, accounts, recoveryGrace);
    }

    public SoakOptions withQuiet(Duration d) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn,
                listClientAddresses, selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides, d, accounts, recoveryGrace);
    }

    /** The break the workers apply. */
    Worker.Break workerBreak() {
        return switch (selfTest) {
            case LOCK -> Worker.Break.LOCK;
            case LOST -> Worker.Break.LOST;
            default -> Worker.Break.NONE;
        };
    }

    public SoakOptions withAccounts(int n) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn,
                listClientAddresses, selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides,
                quiet, n, recoveryGrace);
    }

    public SoakOptions withRecoveryGrace(Duration d) {
        return new SoakOptions(backend, faults, injections, maxPhase, workers, locks, horizon, lostOn,
                listClientAddresses, selfTest, out, recoveryTimeout, holdMillis, writes, acquireWait, clientOverrides,
                quiet, accounts, d);
    }
}
