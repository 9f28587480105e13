package dev.baton.cli;

import dev.baton.lock.Lease;
import dev.baton.lock.LossReason;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a command while a lease is held, for {@code baton lock} and {@code baton elect}: the
 * command gets the lease's facts in its environment; when the lease is lost it gets SIGTERM, then
 * SIGKILL after the grace period, and the run ends with {@link ExitCodes#LEASE_LOST}.
 */
final class LeaseCommandRunner {

    private LeaseCommandRunner() {
    }

    /**
     * @param what how the error message names the lease ("the lease on 'x'", "the leadership of 'x'")
     * @return the command's exit code, {@link ExitCodes#LEASE_LOST}, or 126/127 if it could not start
     */
    static int run(Lease lease, List<String> command, Map<String, String> environment, Duration grace, String what,
            PrintWriter err) throws InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().putAll(environment);
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            boolean missing = e.getMessage() != null && e.getMessage().contains("error=2,");
            err.println("baton: cannot run '" + command.get(0) + "': " + e.getMessage());
            return missing ? ExitCodes.NOT_FOUND : ExitCodes.CANNOT_EXECUTE;
        }
        AtomicReference<LossReason> lost = new AtomicReference<>();
        lease.lost().thenAccept(reason -> {
            lost.set(reason);
            ChildProcesses.terminate(child, grace);
        });
        Thread stopChildOnExit = new Thread(() -> ChildProcesses.terminate(child, grace), "baton-lease-shutdown");
        Runtime.getRuntime().addShutdownHook(stopChildOnExit);
        try {
            int code = child.waitFor();
            if (lost.get() != null) {
                err.println("baton: " + what + " was lost (" + lost.get() + "); the command was stopped");
                return ExitCodes.LEASE_LOST;
            }
            return code;
        } catch (InterruptedException e) {
            ChildProcesses.terminate(child, grace);
            child.waitFor(grace.toMillis() + 1_000, TimeUnit.MILLISECONDS);
            throw e;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stopChildOnExit);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }
}
