package dev.baton.cli;

import dev.baton.lock.CoordinationInfo;
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
        description = {"List the locks held right now: holder, fencing token, since when, and how many wait;",
                "then the read-write locks (readers or the writer), semaphores (permits used/total) and",
                "elections (the leader's payload and term) held right now."},
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
            List<CoordinationInfo> recipes = ((LockInspection) client).coordination(prefix);
            if (!recipes.isEmpty()) {
                out.println();
                out.printf("%-16s %-40s %-12s %20s %-8s %s%n", "KIND", "NAME", "HELD", "TOKEN", "WAITERS", "DETAIL");
                for (CoordinationInfo info : recipes) {
                    out.printf("%-16s %-40s %-12s %20d %-8s %s%n", kind(info.kind()), info.name(), held(info),
                            info.fencingToken(), info.waiters() < 0 ? "-" : Integer.toString(info.waiters()),
                            info.detail());
                }
            }
            out.flush();
            return ExitCodes.OK;
        }
    }

    private static String kind(CoordinationInfo.Kind kind) {
        switch (kind) {
            case READ_WRITE_LOCK:
                return "rw-lock";
            case SEMAPHORE:
                return "semaphore";
            default:
                return "election";
        }
    }

    /** Readers (or "writer"), permits used/total, or "leader". */
    private static String held(CoordinationInfo info) {
        switch (info.kind()) {
            case READ_WRITE_LOCK:
                return "write".equals(info.detail()) ? "writer" : info.holders() + " readers";
            case SEMAPHORE:
                return info.holders() + "/" + info.limit();
            default:
                return "leader";
        }
    }
}
