package dev.baton.soak.check;

import java.util.Arrays;
import java.util.List;

/**
 * One line of a soak history: tab-separated fields, the first naming the type. Times are wall-clock
 * µs since the epoch ({@link dev.baton.soak.Micros}).
 *
 * <pre>
 * RUN      key value                                        run metadata (horizonMs, backend, ...)
 * HELLO    worker pid                                       a worker process connected
 * READY    worker t                                         its lock client is open
 * BYE      worker t                                         it stopped gracefully
 * NOTE     who t kind text                                  something worth reporting (open-failed, proxy-bypass)
 * ACQ      worker lock seq callStart callEnd token          tryAcquire returned a lease with that token
 * ACQ      worker lock seq callStart callEnd -1 t message   ... whose fencingToken() threw: handed out already lost
 * ACQFAIL  worker lock callStart callEnd message            tryAcquire threw LockException
 * CHK      worker seq t 1|0 [t0]                            isValid() before a write, returned at t (called at t0)
 * INV      worker seq t                                     the validity watch saw isValid() false first at t
 * LOST     worker seq t reason                              lost() completed
 * REL      worker seq t                                     release() is about to be called
 * CLOSE    worker seq t                                     LockClient.close() is about to be called, the lease held
 * STALL    worker from to                                   the worker's JVM did not run from..to
 * WRITE    worker seq lock token sent received OK|STALE     the fenced resource's verdict, in its order
 * FAULT    n kind target start heal end progressed          one injection: struck at start, healed at heal, over at
 *                                                           end (grants resumed and the cluster whole); progressed: 1
 *                                                           if grants resumed within the recovery timeout
 * PHASE    kind start end                                   the injections of one kind ran in this window
 * </pre>
 *
 * <p>The worker's name is {@code wN-I}: worker N, incarnation I (a SIGKILLed worker comes back as a new one).
 */
public record HistoryLine(String type, List<String> fields) {

    /** Parses a line; blank lines give null. */
    public static HistoryLine parse(String line) {
        if (line.isBlank()) {
            return null;
        }
        String[] parts = line.split("\t", -1);
        return new HistoryLine(parts[0], List.of(Arrays.copyOfRange(parts, 1, parts.length)));
    }

    public String text(int i) {
        return fields.get(i);
    }

    public long number(int i) {
        return Long.parseLong(fields.get(i));
    }

    public int size() {
        return fields.size();
    }
}
