package dev.baton.soak.check;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The 2PC checker: a pure function from a transfer run's history to findings and figures. The
 * history holds what every caller was told ({@code TXB}/{@code TXO}), the faults, the in-doubt
 * windows, and at the end what the databases and ZooKeeper hold ({@code ROW}, {@code END}); from
 * those alone it checks that:
 *
 * <ul>
 *   <li>money is conserved: both banks together hold what they opened with;
 *   <li>no transaction is applied on one side only: each transaction id has a row in both banks,
 *       debit and credit cancelling, or in neither;
 *   <li>every outcome told matches the databases: COMMITTED is in both, ABORTED in neither
 *       (an unknown outcome may be either; how it ended is reported);
 *   <li>every account's balance is its opening balance plus its rows;
 *   <li>nothing is left in {@code pg_prepared_xacts}, and no decision in ZooKeeper, after
 *       healing and recovery;
 *   <li>commits resumed after every fault.
 * </ul>
 *
 * <pre>
 * TXB      worker txnId t fromBank:account toBank:account amount   a transfer began
 * TXO      worker txnId tCommit tEnd outcome detail                what its caller was told
 * INDOUBT  fault kind transactions start resolved                  branches in doubt after a fault (resolved -1: not in time)
 * ROW      bank txnId account delta                                a transfer row in the final state
 * END      recovery start end drained | balance bank sum accounts | prepared-left bank gid
 *          | decision-left name | ledger-mismatch bank account balance deltas | done
 * </pre>
 */
public final class TransferChecker {

    private static final String OUTSIDE = "none";

    private TransferChecker() {
    }

    private record Txn(String worker, String id, long begun) {
    }

    private record Told(String outcome, long commit, long end, String detail) {
    }

    private record Phase(String kind, long start, long end) {
    }

    /** Judges {@code lines}. */
    public static CheckResult check(List<String> lines) {
        Map<String, String> run = new LinkedHashMap<>();
        List<Phase> phases = new ArrayList<>();
        Map<String, TransferStats> stats = new LinkedHashMap<>();
        List<Violation> findings = new ArrayList<>();
        Map<String, Txn> begun = new LinkedHashMap<>();
        Map<String, Told> told = new HashMap<>();
        Map<String, Map<String, Long>> rows = new TreeMap<>();
        List<String[]> faults = new ArrayList<>();
        List<String[]> inDoubt = new ArrayList<>();
        Map<String, Long> balances = new LinkedHashMap<>();
        long last = 0;
        boolean done = false;
        int malformed = 0;
        for (String raw : lines) {
            HistoryLine line = HistoryLine.parse(raw);
            if (line == null) {
                continue;
            }
            try {
                switch (line.type()) {
                    case "RUN" -> run.put(line.text(0), line.text(1));
                    case "PHASE" -> {
                        phases.add(new Phase(line.text(0), line.number(1), line.number(2)));
                        stats.computeIfAbsent(line.text(0), TransferStats::new);
                    }
                    case "FAULT" -> faults.add(line.fields().toArray(String[]::new));
                    case "TXB" -> {
                        begun.put(line.text(1), new Txn(line.text(0), line.text(1), line.number(2)));
                        last = Math.max(last, line.number(2));
                    }
                    case "TXO" -> {
                        told.put(line.text(1), new Told(line.text(4), line.number(2), line.number(3),
                                line.size() > 5 ? line.text(5) : ""));
                        last = Math.max(last, line.number(3));
                    }
                    case "INDOUBT" -> inDoubt.add(line.fields().toArray(String[]::new));
                    case "ROW" -> rows.computeIfAbsent(line.text(1), t -> new TreeMap<>())
                            .put(line.text(0), line.number(3));
                    case "END" -> {
                        switch (line.text(0)) {
                            case "balance" -> balances.put(line.text(1), line.number(2));
                            case "prepared-left" -> findings.add(new Violation(Violation.Kind.PREPARED_LEFT, last,
                                    "still prepared after recovery: " + line.text(1)));
                            case "decision-left" -> findings.add(new Violation(Violation.Kind.DECISION_LEFT, last,
                                    "decision still in ZooKeeper after recovery: " + line.text(1)));
                            case "ledger-mismatch" -> findings.add(new Violation(Violation.Kind.LEDGER_MISMATCH, last,
                                    line.text(1) + " account " + line.text(2) + " holds " + line.text(3)
                                            + " but its rows say opening + " + line.text(4)));
                            case "recovery" -> run.put("finalRecoveryMs",
                                    Long.toString((line.number(2) - line.number(1)) / 1000)
                                            + ("1".equals(line.text(3)) ? "" : " (not drained)"));
                            case "decision-retained" -> run.merge("decisionsRetained", "1",
                                    (a, b) -> Long.toString(Long.parseLong(a) + 1));
                            case "done" -> done = true;
                            default -> {
                                // unknown END lines of a later harness: ignore
                            }
                        }
                    }
                    case "NOTE" -> {
                        if ("nemesis-error".equals(line.text(2))) {
                            findings.add(new Violation(Violation.Kind.NEMESIS_ERROR, line.number(1), line.text(3)));
                        }
                    }
                    default -> {
                        // HELLO, READY, BYE and lines of other workloads
                    }
                }
            } catch (RuntimeException e) {
                malformed++;
            }
        }
        if (malformed > 0) {
            run.put("malformedLines", Integer.toString(malformed));
        }
        stats.computeIfAbsent(OUTSIDE, TransferStats::new);

        if (!done) {
            findings.add(new Violation(Violation.Kind.FINAL_STATE_MISSING, last,
                    "no END done line: the banks' final state was not recorded"));
        } else {
            checkMoney(run, balances, last, findings);
            checkSides(rows, begun, findings, last);
            checkTold(begun, told, rows, findings);
        }
        figures(phases, stats, begun, told, faults, inDoubt, findings);
        return new CheckResult(Map.copyOf(run), List.copyOf(findings), Map.of(), stats);
    }

    private static void checkMoney(Map<String, String> run, Map<String, Long> balances, long at, List<Violation> findings) {
        long total = balances.values().stream().mapToLong(Long::longValue).sum();
        String opening = run.get("openingTotal");
        if (opening == null || balances.size() < 2 || total != Long.parseLong(opening)) {
            findings.add(new Violation(Violation.Kind.MONEY_NOT_CONSERVED, at,
                    "the banks hold " + total + " " + balances + ", opened with " + opening));
        }
    }

    private static void checkSides(Map<String, Map<String, Long>> rows, Map<String, Txn> begun,
                                   List<Violation> findings, long last) {
        for (Map.Entry<String, Map<String, Long>> e : rows.entrySet()) {
            Map<String, Long> sides = e.getValue();
            Txn txn = begun.get(e.getKey());
            long at = txn != null ? txn.begun() : last;
            if (sides.size() != 2) {
                findings.add(new Violation(Violation.Kind.ONE_SIDED, at, e.getKey() + " is only in " + sides.keySet()
                        + (txn != null ? " (begun by " + txn.worker() + ")" : "")));
            } else if (sides.values().stream().mapToLong(Long::longValue).sum() != 0) {
                findings.add(new Violation(Violation.Kind.ONE_SIDED, at, e.getKey() + ": debit and credit differ " + sides));
            }
        }
    }

    private static void checkTold(Map<String, Txn> begun, Map<String, Told> told, Map<String, Map<String, Long>> rows,
                                  List<Violation> findings) {
        for (Map.Entry<String, Told> e : told.entrySet()) {
            String txnId = e.getKey();
            Told answer = e.getValue();
            Map<String, Long> sides = rows.getOrDefault(txnId, Map.of());
            Txn txn = begun.get(txnId);
            long at = txn != null ? txn.begun() : answer.end();
            String who = (txn != null ? txn.worker() : "?") + " was told " + answer.outcome() + " for " + txnId;
            switch (answer.outcome()) {
                case "COMMITTED" -> {
                    if (sides.size() != 2) {
                        findings.add(new Violation(Violation.Kind.OUTCOME_MISMATCH, at,
                                who + " but it is in " + sides.keySet()));
                    }
                }
                case "ABORTED" -> {
                    if (!sides.isEmpty()) {
                        findings.add(new Violation(sides.size() == 2 ? Violation.Kind.ABORTED_BUT_COMMITTED
                                : Violation.Kind.OUTCOME_MISMATCH, at,
                                who + " (" + answer.detail() + ") but it is in " + sides.keySet()));
                    }
                }
                case "UNKNOWN" -> findings.add(new Violation(Violation.Kind.OUTCOME_UNKNOWN, at,
                        who + ", ended " + (sides.isEmpty() ? "aborted" : "committed in " + sides.keySet()) + ": "
                                + answer.detail()));
                default -> findings.add(new Violation(Violation.Kind.COMMIT_FAILED, at,
                        who + ", ended " + (sides.isEmpty() ? "aborted" : "committed in " + sides.keySet()) + ": "
                                + answer.detail()));
            }
        }
    }

    private static void figures(List<Phase> phases, Map<String, TransferStats> stats, Map<String, Txn> begun,
                                Map<String, Told> told, List<String[]> faults, List<String[]> inDoubt,
                                List<Violation> findings) {
        for (Txn txn : begun.values()) {
            TransferStats s = stats.get(phaseOf(phases, txn.begun()));
            s.begun++;
            Told answer = told.get(txn.id());
            if (answer == null) {
                continue;
            }
            switch (answer.outcome()) {
                case "COMMITTED" -> {
                    s.committed++;
                    s.commitLatency.add(answer.end() - answer.commit());
                }
                case "ABORTED" -> s.aborted++;
                case "UNKNOWN" -> s.unknown++;
                default -> s.failed++;
            }
        }
        TreeSet<Long> commits = new TreeSet<>();
        told.values().stream().filter(t -> t.outcome().equals("COMMITTED")).forEach(t -> commits.add(t.end()));
        for (String[] f : faults) {
            TransferStats s = stats.computeIfAbsent(f[1], TransferStats::new);
            s.injections++;
            long heal = Long.parseLong(f[4]);
            Long next = commits.higher(heal);
            if (next != null) {
                s.drain.add(next - heal);
            }
            if (!"1".equals(f[6])) {
                findings.add(new Violation(Violation.Kind.NO_PROGRESS, heal, f[1] + " #" + f[0] + " on " + f[2]
                        + ": no transfer committed within the recovery timeout after the heal"));
            }
        }
        for (String[] d : inDoubt) {
            TransferStats s = stats.computeIfAbsent(d[1], TransferStats::new);
            s.faultsWithInDoubt++;
            s.inDoubtTransactions += Integer.parseInt(d[2]);
            long resolved = Long.parseLong(d[4]);
            if (resolved < 0) {
                s.unresolved++;
            } else {
                s.inDoubtResolution.add(resolved - Long.parseLong(d[3]));
            }
        }
        for (Violation v : findings) {
            stats.get(phaseOf(phases, v.at())).findings.merge(v.kind(), 1, Integer::sum);
        }
    }

    private static String phaseOf(List<Phase> phases, long t) {
        for (Phase p : phases) {
            if (t >= p.start() && t <= p.end()) {
                return p.kind();
            }
        }
        return OUTSIDE;
    }
}
