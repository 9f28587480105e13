package dev.baton.cli;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockNames;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton lock NAME -- cmd args...}: run a command while holding a lock, like flock(1). */
@Command(name = "lock", mixinStandardHelpOptions = true,
        description = {"Run a command while holding a lock, like flock(1).",
                "The command gets BATON_FENCING_TOKEN and BATON_LOCK_NAME in its environment.",
                "If the lease is lost, the command gets SIGTERM, then SIGKILL after --grace,",
                "and baton exits with 79; otherwise it exits with the command's own code."},
        footer = {"", "Examples:",
                "  baton lock --zookeeper zk1:2181 nightly-report -- ./report.sh",
                "  baton lock --wait 30s --redis redis://cache:6379 deploy/web -- ./deploy.sh --all",
                "", "Exit codes: the command's own; 75 not acquired within --wait;",
                "79 lease lost and command stopped; 69 backend unavailable;",
                "78 configuration error; 126/127 command not executable / not found."})
final class LockCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    HeldCommandOptions held;

    @Parameters(index = "0", paramLabel = "NAME", description = "The lock's name.")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments, after --.")
    List<String> command;


    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        LockNames.check(name); // before connecting: a bad name must not wait for a connection timeout
        try (LockClient client = connection.open()) {
            DistributedLock lock = client.lock(name);
            Optional<Lease> acquired = held.wait == null ? Optional.of(lock.acquire()) : lock.tryAcquire(held.wait);
            if (acquired.isEmpty()) {
                err.println("baton: lock '" + name + "' is held elsewhere; gave up after " + held.wait.toMillis() + " ms");
                return ExitCodes.NOT_ACQUIRED;
            }
            try (Lease lease = acquired.get()) {
                return runHolding(lease, err);
            }
        }
    }

    private int runHolding(Lease lease, PrintWriter err) throws InterruptedException {
        return LeaseCommandRunner.run(lease, command, Map.of("BATON_FENCING_TOKEN", Long.toString(lease.fencingToken()),
                "BATON_LOCK_NAME", name), held.grace, "the lease on '" + name + "'", err);
    }
}
