package dev.baton.soak.check;

import java.util.List;
import java.util.Map;

/**
 * The checker's verdict on one history: every finding, and the figures per fault kind (in run
 * order, then {@code none} for the time outside any phase).
 */
public record CheckResult(Map<String, String> run, List<Violation> findings, Map<String, KindStats> kinds) {

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
