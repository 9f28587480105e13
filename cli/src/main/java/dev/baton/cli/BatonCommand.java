package dev.baton.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The top-level {@code baton} command. */
@Command(name = "baton", mixinStandardHelpOptions = true, version = "baton 0.1.0-SNAPSHOT",
        description = "Distributed locks with fencing tokens, and a 2PC coordinator, on ZooKeeper or Redis.",
        subcommands = {DemoCommand.class, SandboxCommand.class, LockCommand.class, LocksCommand.class, ElectCommand.class,
                LeaderCommand.class, TxnCommand.class, CoordinatorCommand.class},
        footer = {"",
                "Configuration: baton.* keys, lowest precedence first: ./baton.properties or",
                "BATON_CONFIG_FILE, BATON_* environment variables, --config FILE, then -D KEY=VALUE",
                "and the --backend/--zookeeper/--redis shortcuts.",
                "",
                "Exit codes:",
                "  0 ok                        69 backend unavailable      78 configuration error",
                "  1 check failed / not found  70 internal error           79 lease lost (lock, elect)",
                "  2 usage                     75 lock not acquired        126/127 command not runnable",
                "                              77 refused",
                "baton lock and baton elect otherwise exit with their command's own code."})
final class BatonCommand {

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces with errors.")
    boolean verbose;
}
