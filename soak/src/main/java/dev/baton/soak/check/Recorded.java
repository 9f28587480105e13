package dev.baton.soak.check;

import dev.baton.soak.FaultKind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A history read into leases, writes, pauses, faults and phases: what the checker judges. */
final class Recorded {

    final Map<String, String> run = new LinkedHashMap<>();
    final Map<String, LeaseRecord> leases = new LinkedHashMap<>();
    final List<LeaseRecord.WriteRecord> writes = new ArrayList<>();
    /** Per worker: its pauses (stalls it reported, and nemesis SIGSTOPs), as {from, to} in µs. */
    final Map<String, List<long[]>> pauses = new HashMap<>();
    final List<Fault> faults = new ArrayList<>();
    final List<ServerFailover> failovers = new ArrayList<>();
    /** {kind, start, end}. */
    final List<String[]> phases = new ArrayList<>();
    /** Findings that the history states outright (notes). */
    final List<Violation> notes = new ArrayList<>();
    final Map<String, Long> lastSeen = new HashMap<>();
    private final Map<String, Optional<LeaseRecord>> latestLease = new HashMap<>();

    private Recorded() {
    }

    static Recorded read(List<String> lines) {
        Recorded recorded = new Recorded();
        int malformed = 0;
        for (String line : lines) {
            HistoryLine parsed = HistoryLine.parse(line);
            try {
                if (parsed != null) {
                    recorded.read(parsed);
                }
            } catch (RuntimeException e) {
                // A run that died mid-write leaves a truncated last line; say so, judge the rest.
                malformed++;
            }
        }
        if (malformed > 0) {
            recorded.run.put("malformedLines", Integer.toString(malformed));
        }
        return recorded;
    }

    private void read(HistoryLine line) {
        switch (line.type()) {
            case "RUN" -> run.put(line.text(0), line.text(1));
            case "ACQ" -> {
                boolean dead = line.number(5) < 0;
                LeaseRecord lease = new LeaseRecord(line.text(0), line.number(2), line.text(1), line.number(3),
                        line.number(4), line.number(5), dead ? (line.size() > 7 ? line.text(7) : "dead") : null);
                leases.put(lease.key(), lease);
                latestLease.put(lease.worker, Optional.of(lease));
                seen(line.text(0), line.number(4));
            }
            case "CHK" -> lease(line).ifPresent(l -> {
                long t = line.number(2);
                if ("1".equals(line.text(3))) {
                    // A true counts from when isValid() was called (older histories: when it returned).
                    l.validChecks.add(line.size() > 4 ? line.number(4) : t);
                } else if (l.firstInvalidAt == null || t < l.firstInvalidAt) {
                    l.firstInvalidAt = t;
                }
                seen(l.worker, t);
            });
            case "INV" -> lease(line).ifPresent(l -> {
                long t = line.number(2);
                if (l.firstInvalidAt == null || t < l.firstInvalidAt) {
                    l.firstInvalidAt = t;
                }
            });
            case "LOST" -> lease(line).ifPresent(l -> {
                if (l.lostAt == null) {
                    l.lostAt = line.number(2);
                    l.lostReason = line.text(3);
                }
            });
            case "REL" -> lease(line).ifPresent(l -> {
                l.releasedAt = line.number(2);
                seen(l.worker, l.releasedAt);
            });
            case "STALL" -> pauses.computeIfAbsent(line.text(0), w -> new ArrayList<>())
                    .add(new long[] {line.number(1), line.number(2)});
            case "WRITE" -> {
                LeaseRecord.WriteRecord write = new LeaseRecord.WriteRecord(line.text(0), line.number(1), line.text(2),
                        line.number(3), line.number(4), line.number(5), "OK".equals(line.text(6)), writes.size());
                writes.add(write);
                LeaseRecord lease = leases.get(LeaseRecord.key(write.worker(), write.seq()));
                if (lease != null) {
                    lease.writes.add(write);
                }
                seen(write.worker(), write.sent());
            }
            case "FAULT" -> {
                Fault fault = new Fault(Integer.parseInt(line.text(0)), FaultKind.of(line.text(1)), line.text(2),
                        line.number(3), line.number(4), line.number(5), "1".equals(line.text(6)));
                faults.add(fault);
                if (fault.kind() == FaultKind.WORKER_PAUSE) {
                    pauses.computeIfAbsent(fault.target(), w -> new ArrayList<>())
                            .add(new long[] {fault.start(), fault.heal()});
                }
            }
            case "FAILOVER" -> failovers.add(new ServerFailover(line.number(0), line.number(1), line.text(2)));
            case "PHASE" -> phases.add(new String[] {line.text(0), line.text(1), line.text(2)});
            case "CLOSE" -> lease(line).ifPresent(l -> l.closingAt = line.number(2));
            case "NOTE" -> {
                if ("client-recycle".equals(line.text(2))) {
                    // Histories before CLOSE lines: the note names the worker, its latest lease is the one.
                    latestLease.getOrDefault(line.text(0), Optional.empty())
                            .ifPresent(l -> l.closingAt = line.number(1));
                }
                if ("nemesis-error".equals(line.text(2))) {
                    notes.add(new Violation(Violation.Kind.NEMESIS_ERROR, line.number(1), line.text(3)));
                }
                if ("worker-log-error".equals(line.text(2))) {
                    notes.add(new Violation(Violation.Kind.WORKER_LOG_ERROR, line.number(1),
                            line.text(0) + ": " + line.text(3)));
                }
                if ("proxy-bypass".equals(line.text(2))) {
                    notes.add(new Violation(Violation.Kind.PROXY_BYPASS, line.number(1), line.text(3)));
                }
            }
            case "BYE", "READY" -> seen(line.text(0), line.number(1));
            default -> {
                // HELLO, ACQFAIL and unknown lines carry nothing the checks need
            }
        }
    }

    private Optional<LeaseRecord> lease(HistoryLine line) {
        return Optional.ofNullable(leases.get(LeaseRecord.key(line.text(0), line.number(1))));
    }

    private void seen(String worker, long t) {
        lastSeen.merge(worker, t, Math::max);
    }
}
