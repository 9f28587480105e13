package dev.baton.cli;

import dev.baton.lock.spi.ConfigKey;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Durations on the command line are written as in configuration: 250ms, 30s, 5m, 1h or PT30S. */
final class DurationConverter implements ITypeConverter<Duration> {

    private static final ConfigKey<Duration> FORMAT = ConfigKey.duration("baton.cli.duration", null, "a duration");

    @Override
    public Duration convert(String value) {
        try {
            return FORMAT.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("'" + value + "' is not a duration; write 250ms, 30s, 5m, 1h or PT30S");
        }
    }
}
