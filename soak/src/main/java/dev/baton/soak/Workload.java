package dev.baton.soak;

import dev.baton.soak.check.CheckResult;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What runs under the nemesis, and how its history is judged: {@link LockWorkload} (worker JVMs
 * taking locks and writing to a fenced resource) and {@link TransferWorkload} (worker JVMs moving
 * money between two PostgreSQL databases on the in-process XA path).
 */
interface Workload {

    /** A name for the report: {@code locks}, {@code transfers}. */
    String name();

    /** Starts the workload's processes against the running cluster. */
    void start();

    /** Every process the workload runs: all must be ready before each fault. */
    List<WorkerProcess> targets();

    /** The processes a worker-scope fault of {@code kind} may hit. */
    default List<WorkerProcess> targets(FaultKind kind) {
        return targets();
    }

    /** Whether the history tells, live, which of {@link #targets(FaultKind)} holds a lock or is in a transaction. */
    default boolean showsHolders(FaultKind kind) {
        return true;
    }

    /**
     * The nemesis is about to inject fault number {@code fault}.
     *
     * @param victim the worker it hits, or null for a server fault
     */
    default void striking(int fault, FaultKind kind, @Nullable String victim, long startMicros) {
    }

    /** Fault number {@code fault} was healed (a killed worker's successor started, a server restarted). */
    default void healed(int fault, long healMicros) {
    }

    /** Stops every process it started, gracefully first, and records what the checker needs at the end. */
    void stop();

    /** Judges the recorded history. */
    CheckResult check(List<String> history);
}
