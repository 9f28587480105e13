package dev.baton.soak.check;

import java.util.EnumMap;
import java.util.Map;

/** The figures of one fault kind (one phase of the run), or of the time outside any phase. */
public final class KindStats {

    private final String kind;
    int injections;
    int grants;
    int writes;
    int refusedWrites;
    int heldAtFault;
    int lostAfterFault;
    int lateWrites;
    int lateWritesRefused;
    long phaseMicros;
    final Stats lostDelay = new Stats();
    final Stats takeover = new Stats();
    final Stats drain = new Stats();
    final Stats staleBeliefLag = new Stats();
    final Map<Violation.Kind, Integer> findings = new EnumMap<>(Violation.Kind.class);
    final Map<Violation.Kind, Stats> overlaps = new EnumMap<>(Violation.Kind.class);

    KindStats(String kind) {
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    public int injections() {
        return injections;
    }

    /** Grants plus writes during the phase. */
    public int operations() {
        return grants + writes;
    }

    public int grants() {
        return grants;
    }

    public int writes() {
        return writes;
    }

    public int refusedWrites() {
        return refusedWrites;
    }

    /** Leases held by the fault's target (any holder, for server faults) when it struck. */
    public int heldAtFault() {
        return heldAtFault;
    }

    /** Of {@link #heldAtFault()}, those whose {@code lost()} completed during the fault or its recovery. */
    public int lostAfterFault() {
        return lostAfterFault;
    }

    /** Writes of an overtaken holder that reached the resource after the other's grant. */
    public int lateWrites() {
        return lateWrites;
    }

    public int lateWritesRefused() {
        return lateWritesRefused;
    }

    public long phaseMicros() {
        return phaseMicros;
    }

    /** Fault (for a pause: the resume) to {@code lost()}. */
    public Stats lostDelay() {
        return lostDelay;
    }

    /**
     * Fault to the next grant of the lock the faulted holder held (any lock if it held none), to
     * anyone: a waiting worker, or the holder itself once back.
     */
    public Stats takeover() {
        return takeover;
    }

    /** Heal to the first grant after it. */
    public Stats drain() {
        return drain;
    }

    /** For {@link Violation.Kind#STALE_BELIEF_AFTER_PAUSE}: resume to the end of the holder's belief. */
    public Stats staleBeliefLag() {
        return staleBeliefLag;
    }

    /** How long the two holders overlapped, for the overlap classes found in this phase. */
    public Stats overlap(Violation.Kind kind) {
        return overlaps.getOrDefault(kind, new Stats());
    }

    public int count(Violation.Kind finding) {
        return findings.getOrDefault(finding, 0);
    }

    /** Safety violations in this phase. */
    public int violations() {
        return findings.entrySet().stream().filter(e -> e.getKey().safety()).mapToInt(Map.Entry::getValue).sum();
    }
}
