package dev.baton.soak.check;

import java.util.EnumMap;
import java.util.Map;

/** The 2PC figures of one fault kind (one phase of the run), or of the time outside any phase. */
public final class TransferStats {

    private final String kind;
    int injections;
    int begun;
    int committed;
    int aborted;
    int unknown;
    int failed;
    int faultsWithInDoubt;
    int inDoubtTransactions;
    int unresolved;
    final Stats commitLatency = new Stats();
    final Stats inDoubtResolution = new Stats();
    final Stats drain = new Stats();
    final Map<Violation.Kind, Integer> findings = new EnumMap<>(Violation.Kind.class);

    TransferStats(String kind) {
        this.kind = kind;
    }

    public String kind() {
        return kind;
    }

    public int injections() {
        return injections;
    }

    /** Transfers begun in the phase (a transaction id was taken and the work started). */
    public int begun() {
        return begun;
    }

    /** Of those, callers told COMMITTED. */
    public int committed() {
        return committed;
    }

    /** Callers told ABORTED (refused for lack of funds, a lock timeout, a decision refused). */
    public int aborted() {
        return aborted;
    }

    /** Callers told the outcome is unknown. */
    public int unknown() {
        return unknown;
    }

    /** {@code commit()} threw something else. */
    public int failed() {
        return failed;
    }

    /** Begun and never answered: the worker was killed in between. */
    public int cutOff() {
        return begun - committed - aborted - unknown - failed;
    }

    /** Faults after which some branch was in doubt (prepared, its coordinator struck). */
    public int faultsWithInDoubt() {
        return faultsWithInDoubt;
    }

    /** Transactions in doubt over all faults of the phase. */
    public int inDoubtTransactions() {
        return inDoubtTransactions;
    }

    /** Faults whose in-doubt branches were not resolved within the monitor's bound. */
    public int unresolved() {
        return unresolved;
    }

    /** From the strike until every in-doubt branch of that fault was committed or rolled back. */
    public Stats inDoubtResolution() {
        return inDoubtResolution;
    }

    /** {@code commit()} duration of committed transfers. */
    public Stats commitLatency() {
        return commitLatency;
    }

    /** From the heal to the next committed transfer. */
    public Stats drain() {
        return drain;
    }

    public int violations() {
        return findings.entrySet().stream().filter(e -> e.getKey().safety()).mapToInt(Map.Entry::getValue).sum();
    }

    public int count(Violation.Kind kind) {
        return findings.getOrDefault(kind, 0);
    }
}
