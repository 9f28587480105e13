package dev.baton.cli;

import dev.baton.lock.LeaderElection;
import dev.baton.lock.Leadership;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockNames;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton elect NAME -- cmd args...}: run a command while this process leads, like {@code etcdctl elect}. */
@Command(name = "elect", mixinStandardHelpOptions = true,
        description = {"Campaign in an election and run a command while this process is the leader.",
                "The command gets BATON_LEADER_TERM (the leadership's fencing token) and BATON_ELECTION",
                "in its environment. If the leadership is lost, the command gets SIGTERM, then SIGKILL",
                "after --grace, and baton exits with 79; otherwise it exits with the command's own code,",
                "and resigns."},
        footer = {"", "Examples:",
                "  baton elect --zookeeper zk1:2181 --payload \"$(hostname):8080\" billing -- ./run-billing.sh",
                "  baton elect --wait 5s --redis redis://cache:6379 cron-runner -- ./tick.sh",
                "", "Exit codes: the command's own; 75 not leader within --wait;",
                "79 leadership lost and command stopped; 69 backend unavailable;",
                "78 configuration error (also an oversized --payload); 126/127 command not runnable."})
final class ElectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    HeldCommandOptions held;

    @Option(names = "--payload", paramLabel = "TEXT", defaultValue = "",
            description = "What the leader publishes for `baton leader` and observers (an address, say); at most "
                    + LeaderElection.MAX_PAYLOAD_BYTES + " bytes.")
    String payload;

    @Parameters(index = "0", paramLabel = "NAME", description = "The election's name.")
    String name;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments, after --.")
    List<String> command;


    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        LeaderElection.checkPayload(payload);
        LockNames.check(name); // before connecting: a bad name must not wait for a connection timeout
        try (LockClient client = connection.open()) {
            LeaderElection election = client.election(name).withPayload(payload);
            Optional<Leadership> won = held.wait == null ? Optional.of(election.campaign()) : election.tryCampaign(held.wait);
            if (won.isEmpty()) {
                err.println("baton: not elected leader of '" + name + "' within " + held.wait.toMillis() + " ms");
                return ExitCodes.NOT_ACQUIRED;
            }
            try (Leadership leadership = won.get()) {
                return LeaseCommandRunner.run(leadership, command, Map.of("BATON_LEADER_TERM",
                        Long.toString(leadership.term()), "BATON_ELECTION", name), held.grace,
                        "the leadership of '" + name + "'", err);
            }
        }
    }
}
