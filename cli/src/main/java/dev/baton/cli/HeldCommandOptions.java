package dev.baton.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * What {@code baton lock} and {@code baton elect} share: how long to wait and the grace period.
 * (The command itself stays in each: picocli checks a mixin's positional parameters on their own,
 * and the command's index follows the name's.)
 */
final class HeldCommandOptions {

    @Option(names = "--wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Give up (exit 75) if not granted within this time, e.g. 30s. Default: wait forever.")
    Duration wait;

    @Option(names = "--grace", paramLabel = "DURATION", converter = DurationConverter.class, defaultValue = "10s",
            description = "After a loss, how long the command has between SIGTERM and SIGKILL. Default: ${DEFAULT-VALUE}.")
    Duration grace;
}
