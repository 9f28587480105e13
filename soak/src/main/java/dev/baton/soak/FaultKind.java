package dev.baton.soak;

import java.util.Arrays;
import java.util.Locale;

/**
 * The faults the nemesis injects, by kind. Worker faults apply to every backend; server faults to
 * the backend whose servers they hit.
 *
 * <p>2PC (issue 15): {@link #COORDINATOR_KILL} and {@link #COORDINATOR_PAUSE} hit a worker of the
 * transfer workload, which coordinates its own transactions on the in-process XA path;
 * {@link #ZK_LEADER_KILL} applies as it is. On the distributed path ({@code --backend 2pc}) the
 * coordinator kinds hit a coordinator JVM, and {@link #PARTICIPANT_KILL} and
 * {@link #PARTICIPANT_PAUSE} a participant-host JVM.
 */
public enum FaultKind {

    /** SIGSTOP a worker that holds a lock for longer than the session or lease, then SIGCONT. */
    WORKER_PAUSE(Scope.WORKER, false),
    /** SIGKILL a worker that holds a lock; start a new one in its place. */
    WORKER_KILL(Scope.WORKER, false),
    /** 2PC: SIGKILL a worker in a transaction (it coordinates it); start a new one in its place. */
    COORDINATOR_KILL(Scope.WORKER, false),
    /** 2PC: SIGSTOP a worker in a transaction for longer than its ZooKeeper session, then SIGCONT. */
    COORDINATOR_PAUSE(Scope.WORKER, false),
    /** 2PC, distributed path: SIGKILL a participant-host JVM; start a new one in its place. */
    PARTICIPANT_KILL(Scope.WORKER, false),
    /** 2PC, distributed path: SIGSTOP a participant-host JVM for longer than its ZooKeeper session, then SIGCONT. */
    PARTICIPANT_PAUSE(Scope.WORKER, false),
    /** Blackhole the holder's own TCP proxies to the servers (it still reaches the resource), then heal. */
    WORKER_PARTITION(Scope.WORKER, false),
    /** SIGKILL one ZooKeeper server, chosen at random, then restart it. */
    ZK_SERVER_KILL(Scope.SERVER, false),
    /** SIGKILL the ZooKeeper leader, then restart it. */
    ZK_LEADER_KILL(Scope.SERVER, false),
    /**
     * SIGSTOP the ZooKeeper leader for longer than a session, then SIGCONT: a server that hangs
     * rather than dies. Its clients' connections stall until they time out; the others elect a new
     * leader; on resuming, the old one finds itself behind and rejoins as a follower.
     */
    ZK_LEADER_PAUSE(Scope.SERVER, false),
    /** SIGKILL two of three ZooKeeper servers (the leader among them) for longer than a session, then restart them. */
    ZK_QUORUM_LOSS(Scope.SERVER, false),
    /** SIGSTOP the Redis server for longer than the lease, then SIGCONT. */
    REDIS_PAUSE(Scope.SERVER, false),
    /** SIGKILL the Redis server and start it again empty (no persistence). */
    REDIS_RESTART(Scope.SERVER, true),
    /** SIGKILL the Sentinel-monitored master; Sentinel promotes the replica; the old master returns as a replica. */
    SENTINEL_FAILOVER(Scope.SERVER, true),
    /** SIGKILL a Redis Cluster master; its replica is promoted; the old master returns as a replica. */
    CLUSTER_FAILOVER(Scope.SERVER, true);

    /** Whom a fault hits. */
    public enum Scope { WORKER, SERVER }

    private final Scope scope;
    private final boolean losesData;

    FaultKind(Scope scope, boolean losesData) {
        this.scope = scope;
        this.losesData = losesData;
    }

    public Scope scope() {
        return scope;
    }

    /**
     * Whether the fault may lose acknowledged lock state (Redis replicates asynchronously and runs
     * without persistence here): a second holder while the first still believes itself valid is
     * then the documented caveat, and only fencing keeps the resource safe.
     */
    public boolean losesData() {
        return losesData;
    }

    /** The name used on the command line and in the history: {@code worker-pause}, ... */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The kind named {@code id}.
     *
     * @throws IllegalArgumentException naming the known kinds
     */
    public static FaultKind of(String id) {
        for (FaultKind kind : values()) {
            if (kind.id().equals(id.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown fault kind '" + id + "'; known: "
                + Arrays.stream(values()).map(FaultKind::id).toList());
    }
}
