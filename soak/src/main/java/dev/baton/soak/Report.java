package dev.baton.soak;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.check.KindStats;
import dev.baton.soak.check.TransferStats;
import dev.baton.soak.check.Violation;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** A run's result as the Markdown section RELIABILITY.md is made of. */
final class Report {

    /** Examples of each finding class shown under the table. */
    private static final int EXAMPLES = 3;

    private Report() {
    }

    static String markdown(Soak.Result result, String command) {
        CheckResult check = result.check();
        StringBuilder md = new StringBuilder();
        md.append("### ").append(result.options().backend());
        if (result.options().selfTest() != SoakOptions.SelfTest.NONE) {
            md.append(" (self-test: ").append(result.options().selfTest().name().toLowerCase()).append(" broken)");
        }
        md.append("\n\n");
        md.append("- servers: ").append(result.servers()).append('\n');
        md.append("- workers: ").append(result.options().workers()).append(" JVMs on ")
                .append(check.transfers().isEmpty() ? result.options().locks() + " locks"
                        : result.options().accounts() + " accounts per bank")
                .append("; run took ").append(minutes(result.millis())).append(", finished ")
                .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('\n');
        md.append("- command: `").append(command).append("`\n\n");
        if (!check.transfers().isEmpty()) {
            transferTable(md, check);
        } else {
            lockTable(md, check);
        }
        Map<Violation.Kind, List<Violation>> byKind = new EnumMap<>(Violation.Kind.class);
        for (Violation v : check.findings()) {
            byKind.computeIfAbsent(v.kind(), k -> new java.util.ArrayList<>()).add(v);
        }
        if (byKind.isEmpty()) {
            md.append("No findings.\n");
        }
        byKind.forEach((kind, list) -> {
            md.append("- **").append(kind).append("** (").append(list.size()).append(kind.safety() ? ", safety" : "")
                    .append("): ");
            md.append(list.stream().limit(EXAMPLES).map(Violation::detail).collect(Collectors.joining("; ")));
            md.append(list.size() > EXAMPLES ? "; …" : "").append('\n');
        });
        return md.toString();
    }

    private static void lockTable(StringBuilder md, CheckResult check) {
        md.append("| fault kind | injections | operations (grants + writes) | violations | lost() delay p50 / p99 / max (ms)"
                + " | held → lost() | takeover p50 / max (ms) | drain p50 / max (ms) | late writes refused | other findings |\n");
        md.append("|---|---:|---:|---:|---|---:|---|---|---:|---|\n");
        for (KindStats s : check.kinds().values()) {
            md.append("| ").append(s.kind())
                    .append(" | ").append(s.injections())
                    .append(" | ").append(s.grants()).append(" + ").append(s.writes())
                    .append(" | ").append(s.violations()).append(violationClasses(s))
                    .append(" | ").append(s.lostDelay().summary())
                    .append(" | ").append(s.lostAfterFault()).append(" / ").append(s.heldAtFault())
                    .append(" | ").append(s.takeover().shortSummary())
                    .append(" | ").append(s.drain().shortSummary())
                    .append(" | ").append(s.lateWritesRefused()).append(" / ").append(s.lateWrites())
                    .append(" | ").append(otherFindings(s))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private static void transferTable(StringBuilder md, CheckResult check) {
        md.append("- banks: ").append(check.run().getOrDefault("banks", "?")).append("; recovery grace ")
                .append(check.run().getOrDefault("recoveryGraceMs", "?")).append(" ms; final recovery took ")
                .append(check.run().getOrDefault("finalRecoveryMs", "?")).append(" ms\n\n");
        md.append("| fault kind | injections | transfers (committed / aborted / unknown / failed / cut off)"
                + " | violations | in doubt (faults / transactions) | in-doubt resolution p50 / p99 / max (ms)"
                + " | commit p50 / p99 / max (ms) | first commit after heal p50 / max (ms) | other findings |\n");
        md.append("|---|---:|---|---|---|---|---|---|---|\n");
        for (TransferStats s : check.transfers().values()) {
            String other = classes(s, false);
            md.append("| ").append(s.kind())
                    .append(" | ").append(s.injections())
                    .append(" | ").append(s.begun()).append(" (").append(s.committed()).append(" / ").append(s.aborted())
                    .append(" / ").append(s.unknown()).append(" / ").append(s.failed()).append(" / ").append(s.cutOff())
                    .append(")")
                    .append(" | ").append(s.violations()).append(classes(s, true).isEmpty() ? "" : " (" + classes(s, true) + ")")
                    .append(" | ").append(s.faultsWithInDoubt()).append(" / ").append(s.inDoubtTransactions())
                    .append(s.unresolved() > 0 ? " (" + s.unresolved() + " unresolved)" : "")
                    .append(" | ").append(s.inDoubtResolution().summary())
                    .append(" | ").append(s.commitLatency().summary())
                    .append(" | ").append(s.drain().shortSummary())
                    .append(" | ").append(other.isEmpty() ? "–" : other)
                    .append(" |\n");
        }
        md.append('\n');
    }

    /** {@code "A 1, B 2"}: the safety (or the other) classes found in a phase. */
    private static String classes(TransferStats s, boolean safety) {
        return java.util.Arrays.stream(Violation.Kind.values()).filter(k -> k.safety() == safety && s.count(k) > 0)
                .map(k -> k + " " + s.count(k)).collect(Collectors.joining(", "));
    }

    private static String violationClasses(KindStats s) {
        String classes = java.util.Arrays.stream(Violation.Kind.values()).filter(k -> k.safety() && s.count(k) > 0)
                .map(k -> k + " " + s.count(k) + overlap(s, k)).collect(Collectors.joining(", "));
        return classes.isEmpty() ? "" : " (" + classes + ")";
    }

    private static String otherFindings(KindStats s) {
        String other = java.util.Arrays.stream(Violation.Kind.values()).filter(k -> !k.safety() && s.count(k) > 0)
                .map(k -> k + " " + s.count(k) + overlap(s, k)).collect(Collectors.joining(", "));
        if (s.staleBeliefLag().count() > 0) {
            other += (other.isEmpty() ? "" : "; ") + "stale belief lag p50/max " + s.staleBeliefLag().shortSummary() + " ms";
        }
        return other.isEmpty() ? "–" : other;
    }

    /** {@code " (overlap p50 / max: a / b ms)"} for the overlap classes. */
    private static String overlap(KindStats s, Violation.Kind kind) {
        return s.overlap(kind).count() == 0 ? "" : " (overlap p50 / max " + s.overlap(kind).shortSummary() + " ms)";
    }

    private static String minutes(long millis) {
        long seconds = millis / 1000;
        return seconds >= 60 ? (seconds / 60) + " min " + (seconds % 60) + " s" : seconds + " s";
    }
}
