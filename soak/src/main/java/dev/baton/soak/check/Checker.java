package dev.baton.soak.check;

import dev.baton.soak.FaultKind;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The Jepsen-style checker: reads a history and finds
 * <ul>
 *   <li>overlapping critical sections whose holders both believed themselves valid, classified by
 *       cause: a pause of the older holder (expected; reported apart), a belief that outlived the
 *       pause, a data-losing Redis fault (the documented caveat), a partition, or nothing at all;</li>
 *   <li>fencing tokens that do not increase in real-time grant order;</li>
 *   <li>a resource that accepted an older token after a newer one;</li>
 *   <li>leases that ended by a fault without {@code lost()} completing, and the fault-to-{@code lost()} delays;</li>
 *   <li>grants that did not resume after a fault healed, and takeover and drain times.</li>
 * </ul>
 * A pure function of the lines: no clock, no I/O.
 */
public final class Checker {

    /** After a fault's end, how long a {@code lost()} still counts as caused by it. */
    private static final long LOST_GRACE_MICROS = 10_000_000;

    private final Recorded recorded;
    private final Map<String, LeaseRecord> leases;
    private final List<Fault> faults;
    /** The failovers the servers made on their own: every announced one that no injected fault explains. */
    private final List<ServerFailover> ownFailovers = new ArrayList<>();
    private final List<Violation> findings = new ArrayList<>();
    private final Map<String, KindStats> phaseStats = new LinkedHashMap<>();
    private long horizonMicros = 2_000_000;

    private Checker(Recorded recorded) {
        this.recorded = recorded;
        this.leases = recorded.leases;
        this.faults = recorded.faults;
        findings.addAll(recorded.notes);
        for (String[] phase : recorded.phases) {
            KindStats stats = phaseStats.computeIfAbsent(phase[0], KindStats::new);
            stats.phaseMicros += Long.parseLong(phase[2]) - Long.parseLong(phase[1]);
        }
        for (ServerFailover failover : recorded.failovers) {
            // The nemesis's own failover begins and ends inside its fault's window.
            boolean injected = faults.stream().anyMatch(f -> f.kind().losesData() && !f.workerFault()
                    && f.start() <= failover.start() && failover.end() <= f.end());
            if (!injected) {
                findings.add(new Violation(Violation.Kind.UNINJECTED_FAILOVER, failover.start(), "the servers failed over "
                        + failover.what() + " on their own, " + (failover.end() - failover.start()) / 1000
                        + " ms from beginning to announcing it" + activeFaults(failover.start())));
                ownFailovers.add(failover);
            }
        }
    }

    /** Checks a history given as its lines. */
    public static CheckResult check(List<String> lines) {
        return new Checker(Recorded.read(lines)).judge();
    }

    private CheckResult judge() {
        if (recorded.run.containsKey("horizonMs")) {
            horizonMicros = Long.parseLong(recorded.run.get("horizonMs")) * 1000;
        }
        for (Fault fault : faults) {
            if (fault.kind() == FaultKind.WORKER_KILL) {
                for (LeaseRecord lease : leases.values()) {
                    if (lease.worker.equals(fault.target()) && lease.releasedAt == null && lease.lostAt == null
                            && lease.granted <= fault.start()) {
                        lease.killedAt = fault.start();
                    }
                }
            }
        }
        for (LeaseRecord lease : leases.values()) {
            lease.lastSeenAt = recorded.lastSeen.get(lease.worker);
            if (lease.dead()) {
                findings.add(new Violation(Violation.Kind.LEASE_ALREADY_LOST, lease.granted, lease
                        + ": tryAcquire took " + (lease.granted - lease.callStart) / 1000 + " ms and returned it lost: "
                        + lease.deadOnArrival));
            }
        }
        checkResource();
        checkTokenOrder();
        Set<String> overtaken = checkOverlaps();
        checkLost(overtaken);
        Map<String, KindStats> stats = figures();
        return new CheckResult(Map.copyOf(recorded.run), List.copyOf(findings), stats);
    }

    /** The resource, in the order it decided: no accepted token below one accepted before. */
    private void checkResource() {
        Map<String, Long> highest = new HashMap<>();
        for (LeaseRecord.WriteRecord write : recorded.writes) {
            Long max = highest.get(write.lock());
            if (write.accepted()) {
                if (max != null && write.token() < max) {
                    findings.add(new Violation(Violation.Kind.STALE_WRITE_ACCEPTED, write.received(), "resource accepted "
                            + write.worker() + "'s token " + write.token() + " on " + write.lock()
                            + " after accepting " + max));
                } else {
                    highest.put(write.lock(), write.token());
                }
            }
        }
    }

    /** A lease asked for after another lease was returned must carry a greater token (real-time order). */
    private void checkTokenOrder() {
        for (List<LeaseRecord> perLock : byLock().values()) {
            List<LeaseRecord> byStart = new ArrayList<>(perLock);
            byStart.sort(Comparator.comparingLong(l -> l.callStart));
            List<LeaseRecord> byReturn = new ArrayList<>(perLock);
            byReturn.sort(Comparator.comparingLong(l -> l.granted));
            int next = 0;
            LeaseRecord max = null;
            for (LeaseRecord lease : byStart) {
                while (next < byReturn.size() && byReturn.get(next).granted < lease.callStart) {
                    LeaseRecord done = byReturn.get(next++);
                    if (max == null || done.token > max.token) {
                        max = done;
                    }
                }
                if (max != null && lease.token <= max.token) {
                    findings.add(new Violation(Violation.Kind.TOKEN_ORDER, lease.granted, lease + " was asked for after "
                            + max + " was granted, but its token is not greater"));
                }
            }
        }
    }

    /** Pairs of sections whose holders both believed themselves valid; returns the keys of overtaken leases. */
    private Set<String> checkOverlaps() {
        Set<String> overtaken = new java.util.HashSet<>();
        for (List<LeaseRecord> perLock : byLock().values()) {
            List<LeaseRecord> sorted = new ArrayList<>(perLock);
            sorted.sort(Comparator.comparingLong(l -> l.granted));
            for (int i = 0; i < sorted.size(); i++) {
                LeaseRecord older = sorted.get(i);
                // One finding per overtaken lease, judged against the first lease that overtook it.
                if (i + 1 < sorted.size() && sorted.get(i + 1).granted < older.end()) {
                    overtaken.add(older.key());
                    classify(older, sorted.get(i + 1));
                }
            }
        }
        return overtaken;
    }

    private void classify(LeaseRecord older, LeaseRecord newer) {
        long t = newer.granted;
        if (older.closingAt != null && older.closingAt <= t) {
            overlapSeen(Violation.Kind.OVERLAP_WHILE_CLOSING, t, older, newer);
            findings.add(new Violation(Violation.Kind.OVERLAP_WHILE_CLOSING, t, older + " began closing its client "
                    + (t - older.closingAt) / 1000 + " ms before " + newer + " was granted, and saw isValid()=true for "
                    + (older.end() - t) / 1000 + " ms more"));
            return;
        }
        long[] pause = pauseBefore(older, t);
        long overlapMs = (Math.min(older.end(), newer.end()) - t) / 1000;
        if (pause != null) {
            long after = Math.max(pause[1], t);
            boolean believedAfter = older.validChecks.stream().anyMatch(c -> c > after);
            countLateWrites(older, t, t);
            overlapSeen(believedAfter ? Violation.Kind.STALE_BELIEF_AFTER_PAUSE : Violation.Kind.PAUSE_OVERLAP, t,
                    older, newer);
            if (believedAfter) {
                long lag = older.end() - pause[1];
                phaseStats(t).staleBeliefLag.add(lag);
                findings.add(new Violation(Violation.Kind.STALE_BELIEF_AFTER_PAUSE, t, older + " paused "
                        + (pause[1] - pause[0]) / 1000 + " ms; after resuming it still saw isValid()=true for "
                        + lag / 1000 + " ms while " + newer + " held the lock"
                        + (older.lostAt == null ? "; lost() never completed (released first)" : "")));
            } else {
                findings.add(new Violation(Violation.Kind.PAUSE_OVERLAP, t, older + " paused "
                        + (pause[1] - pause[0]) / 1000 + " ms; " + newer + " took over; overlap " + overlapMs + " ms"));
            }
            return;
        }
        Fault dataLoss = firstFault(f -> f.kind().losesData() && f.start() <= t && t <= f.end() + horizonMicros);
        if (dataLoss != null) {
            // Attributed to the fault's phase even when the grant came just after the phase closed.
            long at = Math.min(t, dataLoss.end());
            countLateWrites(older, t, at);
            overlapSeen(Violation.Kind.DATA_LOSS_OVERLAP, at, older, newer);
            findings.add(new Violation(Violation.Kind.DATA_LOSS_OVERLAP, at, dataLoss.kind().id() + " #" + dataLoss.number()
                    + ": " + newer + " granted while " + older + " still believed itself valid for " + overlapMs + " ms"));
            return;
        }
        ServerFailover own = ownFailovers.stream().filter(f -> f.start() <= t && t <= f.end() + horizonMicros)
                .findFirst().orElse(null);
        if (own != null) {
            long at = Math.min(t, own.end());
            countLateWrites(older, t, at);
            overlapSeen(Violation.Kind.DATA_LOSS_OVERLAP, at, older, newer);
            findings.add(new Violation(Violation.Kind.DATA_LOSS_OVERLAP, at, "the servers' own failover " + own.what()
                    + " (not injected): " + newer + " granted while " + older + " still believed itself valid for "
                    + overlapMs + " ms"));
            return;
        }
        Fault partition = firstFault(f -> f.kind() == FaultKind.WORKER_PARTITION && f.target().equals(older.worker)
                && f.start() <= t && t <= f.heal() + horizonMicros);
        Violation.Kind kind = partition != null ? Violation.Kind.VALID_OVERLAP_PARTITIONED : Violation.Kind.VALID_OVERLAP;
        long at = partition != null ? Math.min(t, partition.end()) : t;
        countLateWrites(older, t, at);
        overlapSeen(kind, at, older, newer);
        findings.add(new Violation(kind, at, newer + " granted while " + older + " still believed itself valid, for "
                + overlapMs + " ms" + (partition != null ? " (partitioned since " + (t - partition.start()) / 1000
                + " ms before the grant)" : "") + activeFaults(t)));
    }

    private void overlapSeen(Violation.Kind kind, long at, LeaseRecord older, LeaseRecord newer) {
        long overlap = Math.min(older.end(), newer.end()) - newer.granted;
        phaseStats(at).overlaps.computeIfAbsent(kind, k -> new Stats()).add(Math.max(0, overlap));
    }

    /** The older holder's pause long enough to lose the lease, begun before the newer grant. */
    private long[] pauseBefore(LeaseRecord older, long grant) {
        long[] found = null;
        for (long[] p : recorded.pauses.getOrDefault(older.worker, List.of())) {
            boolean longEnough = p[1] - p[0] >= horizonMicros / 2;
            if (longEnough && p[0] < grant && p[1] > older.granted && p[0] < older.end()
                    && (found == null || p[0] > found[0])) {
                found = p;
            }
        }
        return found;
    }

    private void countLateWrites(LeaseRecord older, long grant, long at) {
        KindStats stats = phaseStats(at);
        for (LeaseRecord.WriteRecord write : older.writes) {
            if (write.received() > grant) {
                stats.lateWrites++;
                if (!write.accepted()) {
                    stats.lateWritesRefused++;
                }
            }
        }
    }

    /**
     * Every lease that its holder saw fail, or that another overtook and its holder never released,
     * must have had lost() complete. A holder that released an overtaken lease before its client could
     * know (Redis: before the next renewal found the key gone) ended it normally; the overlap itself
     * is judged by {@link #classify}.
     */
    private void checkLost(Set<String> overtaken) {
        for (LeaseRecord lease : leases.values()) {
            if (lease.dead() || lease.killedAt != null || lease.lostAt != null) {
                continue;
            }
            if (lease.firstInvalidAt != null || (overtaken.contains(lease.key()) && lease.releasedAt == null)) {
                findings.add(new Violation(Violation.Kind.LOST_MISSING, lease.end(), lease
                        + (lease.firstInvalidAt != null ? " was seen invalid" : " was overtaken")
                        + " but lost() never completed"));
            }
        }
    }

    private Map<String, KindStats> figures() {
        for (Fault fault : faults) {
            faultFigures(fault, phaseStats.computeIfAbsent(fault.kind().id(), KindStats::new));
        }
        for (LeaseRecord lease : leases.values()) {
            if (!lease.dead()) {
                phaseStats(lease.granted).grants++;
            }
        }
        for (LeaseRecord.WriteRecord write : recorded.writes) {
            KindStats s = phaseStats(write.received());
            s.writes++;
            if (!write.accepted()) {
                s.refusedWrites++;
            }
        }
        for (Violation finding : findings) {
            KindStats s = phaseStats(finding.at());
            s.findings.merge(finding.kind(), 1, Integer::sum);
        }
        return phaseStats;
    }

    /** One injection's figures: held leases and their lost() delays, takeover, drain; and progress. */
    private void faultFigures(Fault fault, KindStats s) {
        s.injections++;
        if (!fault.progressed()) {
            findings.add(new Violation(Violation.Kind.NO_PROGRESS, fault.heal(), fault.kind().id() + " #"
                    + fault.number() + " on " + fault.target() + ": no grant within the recovery timeout after healing"));
        }
        List<LeaseRecord> held = leases.values().stream().filter(l -> !l.dead() && l.granted < fault.start()
                && l.end() >= fault.start() && (!fault.workerFault() || l.worker.equals(fault.target()))).toList();
        s.heldAtFault += held.size();
        long from = fault.kind() == FaultKind.WORKER_PAUSE ? fault.heal() : fault.start();
        for (LeaseRecord lease : held) {
            if (lease.lostAt != null && lease.lostAt >= fault.start() && lease.lostAt <= fault.end() + LOST_GRACE_MICROS) {
                s.lostAfterFault++;
                s.lostDelay.add(Math.max(0, lease.lostAt - from));
            }
        }
        Set<String> heldLocks = held.stream().map(l -> l.lock).collect(Collectors.toSet());
        leases.values().stream()
                .filter(l -> !l.dead() && l.granted > fault.start()
                        && (heldLocks.isEmpty() || heldLocks.contains(l.lock)))
                .mapToLong(l -> l.granted).min()
                .ifPresent(t -> s.takeover.add(t - fault.start()));
        leases.values().stream().filter(l -> !l.dead() && l.granted > fault.heal())
                .mapToLong(l -> l.granted).min()
                .ifPresent(t -> s.drain.add(t - fault.heal()));
    }

    /** The stats of the phase running at {@code t}, or of {@code none}. */
    private KindStats phaseStats(long t) {
        for (String[] phase : recorded.phases) {
            if (Long.parseLong(phase[1]) <= t && t <= Long.parseLong(phase[2])) {
                return phaseStats.get(phase[0]);
            }
        }
        return phaseStats.computeIfAbsent("none", KindStats::new);
    }

    private Fault firstFault(java.util.function.Predicate<Fault> matches) {
        return faults.stream().filter(matches).findFirst().orElse(null);
    }

    private String activeFaults(long t) {
        List<String> active = new ArrayList<>(faults.stream().filter(f -> f.start() <= t && t <= f.end())
                .map(f -> f.kind().id() + " #" + f.number() + " on " + f.target()).toList());
        ownFailovers.stream().filter(f -> f.start() <= t && t <= f.end())
                .forEach(f -> active.add("the servers' own failover " + f.what()));
        return active.isEmpty() ? "; no fault active" : "; during " + String.join(", ", active);
    }

    private Map<String, List<LeaseRecord>> byLock() {
        Map<String, List<LeaseRecord>> byLock = new TreeMap<>();
        for (LeaseRecord lease : leases.values()) {
            if (!lease.dead()) {
                byLock.computeIfAbsent(lease.lock, k -> new ArrayList<>()).add(lease);
            }
        }
        return byLock;
    }
}
