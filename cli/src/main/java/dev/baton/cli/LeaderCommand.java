package dev.baton.cli;

import dev.baton.lock.LeaderElection;
import dev.baton.lock.LeaderInfo;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockNames;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code baton leader NAME [--watch]}: who leads an election. */
@Command(name = "leader", mixinStandardHelpOptions = true,
        description = {"Print who leads an election: its payload, term and since when (UTC),",
                "tab-separated; exit 1 if nobody leads. With --watch, print a line at every change",
                "of leader (\"-\" when nobody leads) until interrupted."},
        footer = {"", "Examples:", "  baton leader --zookeeper zk1:2181 billing",
                "  baton leader --watch --redis redis://cache:6379 cron-runner"})
final class LeaderCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--watch", description = "Print every change of leader until interrupted.")
    boolean watch;

    @Parameters(index = "0", paramLabel = "NAME", description = "The election's name.")
    String name;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        LockNames.check(name); // before connecting: a bad name must not wait for a connection timeout
        try (LockClient client = connection.open()) {
            LeaderElection election = client.election(name);
            if (!watch) {
                Optional<LeaderInfo> leader = election.leader();
                if (leader.isEmpty()) {
                    spec.commandLine().getErr().println("baton: nobody leads '" + name + "'");
                    return ExitCodes.FAILED;
                }
                print(out, leader);
                return ExitCodes.OK;
            }
            BlockingQueue<Optional<LeaderInfo>> changes = new LinkedBlockingQueue<>();
            try (LeaderElection.Observation observation = election.observe(changes::add)) {
                while (true) {
                    print(out, changes.take());
                }
            }
        }
    }

    static void print(PrintWriter out, Optional<LeaderInfo> leader) {
        out.println(leader.map(info -> info.payload() + "\t" + info.term() + "\t"
                + info.since().map(TIME::format).orElse("-")).orElse("-"));
        out.flush();
    }
}
