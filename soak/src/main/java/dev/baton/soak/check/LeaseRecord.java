package dev.baton.soak.check;

import java.util.ArrayList;
import java.util.List;

/** Everything the history says about one lease, assembled by the checker. Mutable while assembling. */
final class LeaseRecord {

    final String worker;
    final long seq;
    final String lock;
    final long callStart;
    final long granted;
    final long token;
    /** Set when {@code fencingToken()} threw right after the grant. */
    final String deadOnArrival;
    final List<Long> validChecks = new ArrayList<>();
    final List<WriteRecord> writes = new ArrayList<>();
    Long firstInvalidAt;
    Long lostAt;
    String lostReason;
    Long releasedAt;
    /** When its holder started closing its whole client (with the lease still held). */
    Long closingAt;
    Long killedAt;
    Long lastSeenAt;

    LeaseRecord(String worker, long seq, String lock, long callStart, long granted, long token, String deadOnArrival) {
        this.worker = worker;
        this.seq = seq;
        this.lock = lock;
        this.callStart = callStart;
        this.granted = granted;
        this.token = token;
        this.deadOnArrival = deadOnArrival;
    }

    static String key(String worker, long seq) {
        return worker + "#" + seq;
    }

    String key() {
        return key(worker, seq);
    }

    /**
     * When the holder stopped believing it held the lock: its release, the first sign of loss it saw
     * ({@code isValid()} false, {@code lost()}), or its death; else the last we heard of its worker.
     */
    long end() {
        long end = Long.MAX_VALUE;
        for (Long t : new Long[] {firstInvalidAt, lostAt, releasedAt, killedAt}) {
            if (t != null) {
                end = Math.min(end, t);
            }
        }
        if (end == Long.MAX_VALUE && lastSeenAt != null) {
            end = lastSeenAt;
        }
        return end;
    }

    boolean dead() {
        return deadOnArrival != null;
    }

    @Override
    public String toString() {
        return worker + " lease " + seq + " on " + lock + " (token " + token + ")";
    }

    /** One write to the fenced resource, as the resource saw it. */
    record WriteRecord(String worker, long seq, String lock, long token, long sent, long received, boolean accepted,
                       int order) {
    }
}
