package dev.baton.soak;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.cluster.LockCluster;
import dev.baton.soak.cluster.Procs;
import dev.baton.soak.cluster.RedisClusterSetup;
import dev.baton.soak.cluster.RedisSentinelSetup;
import dev.baton.soak.cluster.RedisStandalone;
import dev.baton.soak.cluster.ZooKeeperEnsemble;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One soak run: servers, resource, workers, one nemesis phase per fault kind, a graceful stop, and
 * the checker over the history. Everything it starts is stopped before it returns, and by a
 * shutdown hook if the JVM dies first ({@link Procs}).
 */
public final class Soak {

    private Soak() {
    }

    /** The outcome of a run: its options, the checker's verdict, what the servers were, and how long it took. */
    public record Result(SoakOptions options, CheckResult check, String servers, long millis, Path history) {
    }

    /** The 2PC backend: transfer workers on the in-process XA path, over a ZooKeeper ensemble. */
    public static final String XA = "xa";

    /** The distributed 2PC backend: coordinator and participant-host JVMs, over a ZooKeeper ensemble. */
    public static final String TWO_PC = "2pc";

    /** The fault kinds the distributed 2PC workload takes, in the default order. */
    static final List<FaultKind> TWO_PC_FAULTS = List.of(FaultKind.COORDINATOR_KILL, FaultKind.COORDINATOR_PAUSE,
            FaultKind.PARTICIPANT_KILL, FaultKind.PARTICIPANT_PAUSE, FaultKind.ZK_LEADER_KILL);

    /** The fault kinds the 2PC workload takes, in the default order. */
    static final List<FaultKind> XA_FAULTS = List.of(FaultKind.COORDINATOR_KILL, FaultKind.COORDINATOR_PAUSE,
            FaultKind.ZK_LEADER_KILL);

    /** The fault kinds a run can take: its workload's worker kinds and its cluster's own. */
    static List<FaultKind> applicable(SoakOptions options, LockCluster cluster) {
        if (options.backend().equals(XA) || options.backend().equals(TWO_PC)) {
            List<FaultKind> kinds = new ArrayList<>(options.backend().equals(XA) ? XA_FAULTS : TWO_PC_FAULTS);
            cluster.serverFaults().stream().filter(k -> !kinds.contains(k)).forEach(kinds::add);
            return kinds;
        }
        return applicable(cluster);
    }

    /** The fault kinds a lock backend can take: the worker kinds (partition only where workers sit behind proxies) and its own. */
    public static List<FaultKind> applicable(LockCluster cluster) {
        List<FaultKind> kinds = new ArrayList<>(List.of(FaultKind.WORKER_PAUSE, FaultKind.WORKER_KILL));
        if (!cluster.proxyTargets().isEmpty()) {
            kinds.add(FaultKind.WORKER_PARTITION);
        }
        kinds.addAll(cluster.serverFaults());
        return kinds;
    }

    /** Runs the soak; {@code log} hears progress. */
    public static Result run(SoakOptions options, Consumer<String> log) {
        long began = System.nanoTime();
        Path out = options.out();
        try (History history = new History(out.resolve("history.log"));
             ResourceServer resource = new ResourceServer(history, options.selfTest() == SoakOptions.SelfTest.RESOURCE);
             LockCluster cluster = startCluster(options, out.resolve("servers"))) {
            List<FaultKind> applicable = applicable(options, cluster);
            List<FaultKind> kinds = options.faults().isEmpty()
                    ? (options.backend().equals(XA) ? XA_FAULTS : options.backend().equals(TWO_PC) ? TWO_PC_FAULTS
                    : applicable) : options.faults();
            for (FaultKind kind : kinds) {
                if (!applicable.contains(kind)) {
                    throw new IllegalArgumentException(kind.id() + " does not apply to " + options.backend()
                            + "; it takes " + applicable.stream().map(FaultKind::id).toList());
                }
            }
            history.add("RUN", "backend", options.backend());
            history.add("RUN", "servers", cluster.description());
            history.add("RUN", "horizonMs", Long.toString(cluster.lossHorizon().toMillis()));
            history.add("RUN", "selfTest", options.selfTest().name());
            cluster.watchFailovers((start, end, what) -> history.add("FAILOVER", Long.toString(start),
                    Long.toString(end), what));
            log.accept("servers up: " + cluster.description());
            Workload workload = options.backend().equals(XA) || options.backend().equals(TWO_PC)
                    ? new TransferWorkload(options, cluster, history, resource.port(), out.resolve("workers"),
                            out.resolve("banks"), options.backend().equals(TWO_PC))
                    : new LockWorkload(options, cluster, history, resource.port(), out.resolve("workers"));
            try {
                workload.start();
                log.accept(options.workers() + " workers running");
                Nemesis nemesis = new Nemesis(cluster, workload, history, options, log);
                for (FaultKind kind : kinds) {
                    try {
                        nemesis.phase(kind);
                    } catch (RuntimeException e) {
                        // A cluster that did not come back is a finding too; what was recorded is still judged.
                        String message = (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\t', ' ');
                        history.add("NOTE", "nemesis", Long.toString(Micros.now()), "nemesis-error", kind.id() + ": " + message);
                        log.accept("stopping the run: " + kind.id() + " failed: " + message);
                        break;
                    }
                }
            } finally {
                workload.stop();
            }
            CheckResult check = workload.check(history.lines());
            return new Result(options, check, cluster.description(), (System.nanoTime() - began) / 1_000_000,
                    out.resolve("history.log"));
        } finally {
            Procs.killAll();
        }
    }

    private static LockCluster startCluster(SoakOptions options, Path dir) {
        return switch (options.backend()) {
            case "zookeeper", XA, TWO_PC -> ZooKeeperEnsemble.start(dir, options.horizon(), options.lostOn(),
                    options.listClientAddresses());
            case "redis", "redisson" -> RedisStandalone.start(dir, options.backend(), options.horizon());
            case "redis-sentinel" -> RedisSentinelSetup.start(dir, "redis", options.horizon());
            case "redis-cluster" -> RedisClusterSetup.start(dir, "redis", options.horizon());
            default -> throw new IllegalArgumentException("unknown backend '" + options.backend()
                    + "'; known: zookeeper, redis, redisson, redis-sentinel, redis-cluster, xa, 2pc");
        };
    }
}
