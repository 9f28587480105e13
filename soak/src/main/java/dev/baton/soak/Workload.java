package dev.baton.soak;

import dev.baton.soak.check.CheckResult;
import java.util.List;

/**
 * What runs under the nemesis, and how its history is judged. {@link LockWorkload} is the one that
 * exists: worker JVMs taking locks and writing to a fenced resource.
 *
 * <p><b>Extension point for 2PC</b> (issue 15, not built yet: the coordinator is being fixed). A
 * {@code TransferWorkload} would start two embedded PostgreSQL databases (with
 * {@code max_prepared_transactions > 0}), coordinator and participant-host JVMs instead of lock
 * workers, and client JVMs that move money between the two databases through
 * {@code TransactionCoordinator}, each reporting {@code TXN id outcome} lines to the same
 * {@link History}. New {@link FaultKind}s (coordinator and participant SIGKILL and SIGSTOP) are
 * worker-scope faults on those JVMs; {@link FaultKind#ZK_LEADER_KILL} is reused as is. Its checker
 * reads the lines and the databases at the end: money conserved, no transaction applied on one
 * side only, every outcome told to a caller matches the databases, {@code pg_prepared_xacts} empty
 * and nothing in doubt. The report's table format stays the same (fault kind, injections,
 * operations, violations, takeover and drain).
 */
interface Workload {

    /** A name for the report: {@code locks}, later {@code transfers}. */
    String name();

    /** Starts the workload's processes against the running cluster. */
    void start();

    /** The processes a worker-scope fault may hit. */
    List<WorkerProcess> targets();

    /** Stops every process it started, gracefully first. */
    void stop();

    /** Judges the recorded history. */
    CheckResult check(List<String> history);
}
