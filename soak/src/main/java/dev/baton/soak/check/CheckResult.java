package dev.baton.soak.check;

import java.util.List;
import java.util.Map;

/**
 * The checker's verdict on one history: every finding, and the figures per fault kind (in run
 * order, then {@code none} for the time outside any phase): {@code kinds} for the lock workload,
 * {@code transfers} for the 2PC workload (the other map is empty).
 */
public record CheckResult(Map<String, String> run, List<Violation> findings, Map<String, KindStats> kinds,
                          Map<String, TransferStats> transfers) {

    /** A lock workload's verdict. */
    public CheckResult(Map<String, String> run, List<Violation> findings, Map<String, KindStats> kinds) {
        this(run, findings, kinds, Map.of());
    }

    /** Findings of the safety classes. */
    public List<Violation> violations() {
        return findings.stream().filter(v -> v.kind().safety()).toList();
    }

    public long count(Violation.Kind kind) {
        return findings.stream().filter(v -> v.kind() == kind).count();
    }

    public KindStats kind(String id) {
        return kinds.get(id);
    }
}
