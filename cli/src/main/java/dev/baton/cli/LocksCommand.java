package dev.baton.cli;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import java.io.PrintWriter;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton locks}: the locks held right now. */
@Command(name = "locks", mixinStandardHelpOptions = true,
        description = "List the locks held right now: holder, fencing token, since when, and how many wait.",
        footer = {"", "Examples:", "  baton locks --zookeeper zk1:2181", "  baton locks --prefix orders/ --config prod.properties"})
final class LocksCommand implements Callable<Integer> {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ISO_LOCAL_DATE_TIME.withZone(ZoneOffset.UTC);

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--prefix", paramLabel = "P", defaultValue = "", description = "Only locks whose name starts with P.")
    String prefix;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (LockClient client = connection.open()) {
            if (!(client instanceof LockInspection)) {
                throw new CliException(ExitCodes.FAILED, "the " + client.backend() + " backend cannot list its locks");
            }
            List<LockInfo> held = ((LockInspection) client).heldLocks(prefix);
            out.printf("%-40s %-28s %20s %-20s %s%n", "LOCK", "HOLDER", "TOKEN", "SINCE (UTC)", "WAITERS");
            for (LockInfo info : held) {
                out.printf("%-40s %-28s %20d %-20s %s%n", info.name(), info.holder(), info.fencingToken(),
                        info.since().map(TIME::format).orElse("-"),
                        info.waiters() < 0 ? "-" : Integer.toString(info.waiters()));
            }
            out.flush();
            return ExitCodes.OK;
        }
    }
}
