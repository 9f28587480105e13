package dev.baton.cli;

import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** What {@code baton lock} and {@code baton elect} share: how long to wait, the grace period, and the command. */
final class HeldCommandOptions {

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up (exit 75) if not granted within this time, e.g. 30s. Default: wait forever.")
    Duration wait;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "After a loss, how long the command has between SIGTERM and SIGKILL. Default: ${DEFAULT-VALUE}.")
    Duration grace;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND", description = "The command and its arguments, after --.")
    List<String> command;
}
