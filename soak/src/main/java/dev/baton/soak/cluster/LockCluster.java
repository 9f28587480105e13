package dev.baton.soak.cluster;

import dev.baton.soak.FaultKind;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The servers of one backend, started by the harness, and the server faults they can take. Worker
 * faults are the nemesis's own; a cluster only says how workers reach it.
 */
public interface LockCluster extends AutoCloseable {

    /** What {@code --backend} named: {@code zookeeper}, {@code redis}, {@code redis-sentinel}, ... */
    String name();

    /** Topology and server versions, for the report. */
    String description();

    /** The server fault kinds this cluster can take. */
    Set<FaultKind> serverFaults();

    /**
     * The addresses a worker connects to, each of which the harness may put behind a per-worker
     * proxy; empty if workers must connect directly (Sentinel and Cluster announce addresses of
     * their own, which a proxy in front cannot rewrite through the public API).
     */
    List<InetSocketAddress> proxyTargets();

    /**
     * The {@code baton.*} configuration of one worker.
     *
     * @param addresses where this worker reaches {@link #proxyTargets()}, in the same order (its
     *     proxies, or the targets themselves)
     */
    Map<String, String> clientConfig(List<InetSocketAddress> addresses);

    /** How long a silent client keeps a lock: the session timeout or lease time. */
    Duration lossHorizon();

    /**
     * Starts a server fault.
     *
     * @return what was hit and how to heal it
     * @throws IllegalArgumentException if the kind is not one of {@link #serverFaults()}
     */
    Injection inject(FaultKind kind);

    /** Whether every server is back and in sync, so the next fault starts from a whole cluster. */
    boolean healthy();

    /**
     * Tells {@code listener} of every failover the servers make, injected or not, from now until
     * {@link #close()}: the checker must know of a failover the nemesis did not cause (a Sentinel
     * that takes a slow master for a dead one), because it can lose a lease exactly as an injected
     * one does. Returns once the watch is in place. The default watches nothing: servers that fail
     * over only when the nemesis strikes.
     */
    default void watchFailovers(FailoverListener listener) {
    }

    /** Hears the servers' failovers. Called on the watching thread; must not block. */
    interface FailoverListener {
        /**
         * A failover from {@code startMicros} (the servers began it) to {@code endMicros} (they
         * announced the new master), both {@link dev.baton.soak.Micros} stamps; {@code what} says
         * from which server to which.
         */
        void failedOver(long startMicros, long endMicros, String what);
    }

    @Override
    void close();

    /** A fault in progress. */
    interface Injection {
        /** What was hit: {@code zk2 (leader)}, {@code redis-server:6379}, ... */
        String target();

        /** How long to keep the fault in place before {@link #heal()}. */
        Duration hold();

        /** Ends the fault: restarts or resumes what was hit. Waits until it is started, not until it is in sync. */
        void heal();
    }
}
