package dev.baton.soak;

import dev.baton.soak.cluster.LockCluster;
import dev.baton.soak.cluster.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Injects faults, one kind per phase, one at a time: waits for a whole cluster and ready workers,
 * strikes (a worker that holds a lock, when the kind hits a worker), keeps the fault in place long
 * enough to matter (past the session or lease), heals it, then waits until a lock is granted again.
 * Each injection becomes one {@code FAULT} line; whether grants resumed is part of it.
 */
final class Nemesis {

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(120);

    private final LockCluster cluster;
    private final Workload workload;
    private final List<WorkerProcess> workers;
    private final History history;
    private final SoakOptions options;
    private final Consumer<String> log;
    private int number;

    Nemesis(LockCluster cluster, Workload workload, History history, SoakOptions options, Consumer<String> log) {
        this.cluster = cluster;
        this.workload = workload;
        this.workers = workload.targets();
        this.history = history;
        this.options = options;
        this.log = log;
    }

    /** Runs one phase: {@code options.injections()} faults of {@code kind}, or fewer if {@code maxPhase} runs out. */
    void phase(FaultKind kind) {
        long start = Micros.now();
        long deadline = System.nanoTime() + options.maxPhase().toNanos();
        int done = 0;
        try {
            while (done < options.injections() && System.nanoTime() < deadline) {
                injectOnce(kind);
                done++;
                if (done % 10 == 0 || done == options.injections()) {
                    log.accept(kind.id() + ": " + done + "/" + options.injections());
                }
            }
        } finally {
            history.add("PHASE", kind.id(), Long.toString(start), Long.toString(Micros.now()));
        }
    }

    private void injectOnce(FaultKind kind) {
        settle();
        int n = ++number;
        long start;
        long heal;
        String target;
        if (kind.scope() == FaultKind.Scope.WORKER) {
            WorkerProcess victim = victim(kind);
            target = victim.name();
            start = Micros.now();
            workload.striking(n, kind, target, start);
            switch (kind) {
                case WORKER_PAUSE, COORDINATOR_PAUSE, PARTICIPANT_PAUSE -> {
                    victim.pause();
                    Wait.sleep(cluster.lossHorizon().multipliedBy(3).dividedBy(2).toMillis());
                    victim.resume();
                }
                case WORKER_KILL, COORDINATOR_KILL, PARTICIPANT_KILL -> {
                    victim.kill();
                    history.forget(target);
                    victim.start();
                }
                case WORKER_PARTITION -> {
                    if (victim.proxiedConnections() == 0) {
                        history.add("NOTE", "nemesis", Long.toString(start), "proxy-bypass", target
                                + " had no connection through its proxies when partitioned: its client bypasses them");
                    }
                    victim.partition();
                    Wait.sleep(cluster.lossHorizon().multipliedBy(5).dividedBy(2).toMillis());
                    victim.heal();
                }
                default -> throw new IllegalStateException(kind.id());
            }
            heal = Micros.now();
        } else {
            start = Micros.now();
            workload.striking(n, kind, null, start);
            LockCluster.Injection injection = cluster.inject(kind);
            target = injection.target();
            Wait.sleep(injection.hold().toMillis());
            injection.heal();
            heal = Micros.now();
        }
        workload.healed(n, heal);
        boolean progressed = Wait.until(options.recoveryTimeout(), () -> history.latestGrant() > heal);
        // The fault ends when the cluster is whole again, not at the first grant: a restarted Redis
        // master serves as an empty master until Sentinel turns it into a replica, and what happens
        // in that window belongs to this fault.
        Wait.until(SETTLE_TIMEOUT, cluster::healthy);
        history.add("FAULT", Integer.toString(n), kind.id(), target, Long.toString(start), Long.toString(heal),
                Long.toString(Micros.now()), progressed ? "1" : "0");
        if (!progressed) {
            log.accept(kind.id() + " #" + n + " on " + target + ": no grant within " + options.recoveryTimeout());
        }
        Wait.sleep(options.quiet().toMillis());
    }

    /** A whole cluster, every worker ready (a killed worker's successor included). */
    private void settle() {
        Wait.require("the cluster is whole again", SETTLE_TIMEOUT, cluster::healthy);
        Wait.require("every worker is ready", SETTLE_TIMEOUT,
                () -> workers.stream().allMatch(w -> w.alive() && history.ready(w.name())));
    }

    /**
     * The worker to strike: one of those {@code kind} hits that holds a lock (or is in a
     * transaction) now, waiting a moment for one, else any of them; at random if the history cannot
     * tell (a participant host, a coordinator that reports its transaction only once it ended).
     */
    private WorkerProcess victim(FaultKind kind) {
        List<WorkerProcess> candidates = workload.targets(kind);
        if (!workload.showsHolders(kind)) {
            return candidates.get(ThreadLocalRandom.current().nextInt(candidates.size()));
        }
        List<WorkerProcess> holding = new ArrayList<>();
        Wait.until(Duration.ofSeconds(3), () -> {
            holding.clear();
            for (WorkerProcess worker : candidates) {
                if (history.holders().contains(worker.name())) {
                    holding.add(worker);
                }
            }
            return !holding.isEmpty();
        });
        List<WorkerProcess> pool = holding.isEmpty() ? candidates : holding;
        return pool.get(ThreadLocalRandom.current().nextInt(pool.size()));
    }
}
