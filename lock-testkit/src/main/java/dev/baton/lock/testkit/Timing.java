package dev.baton.lock.testkit;

import java.time.Duration;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/**
 * One factor that scales every timeout in Baton's tests, so a slow machine needs one knob, not a
 * hundred edits.
 *
 * <p>The factor is read once from the system property {@value #FACTOR_PROPERTY}. When the property
 * is absent or blank it is 1, or 2 if the environment variable {@code CI} is {@code true}. It must
 * be a positive number; fractions such as {@code 1.5} are allowed.
 *
 * <p>Thread safety: stateless after class initialization.
 */
public final class Timing {

    /** The system property that holds the factor. */
    public static final String FACTOR_PROPERTY = "baton.test.timing.factor";

    /** The unscaled time {@link #await()} waits at most. */
    public static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    /** How often {@link #await()} polls; not scaled, since polling faster never makes a test flaky. */
    public static final Duration POLL_INTERVAL = Duration.ofMillis(10);

    private static final double FACTOR = factorFrom(System.getProperty(FACTOR_PROPERTY), System.getenv("CI"));

    private Timing() {
    }

    /** The factor every timeout is multiplied by. */
    public static double factor() {
        return FACTOR;
    }

    /**
     * {@code duration} times the factor, rounded up to the nanosecond.
     *
     * @throws NullPointerException if {@code duration} is null
     * @throws IllegalArgumentException if {@code duration} is negative
     */
    public static Duration scaled(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("cannot scale a negative duration: " + duration);
        }
        return Duration.ofNanos((long) Math.ceil(duration.toNanos() * FACTOR));
    }

    /** {@code millis} times the factor, rounded up. */
    public static long scaledMillis(long millis) {
        return scaled(Duration.ofMillis(millis)).toMillis();
    }

    /** {@link #DEFAULT_WAIT}, scaled. */
    public static Duration defaultWait() {
        return scaled(DEFAULT_WAIT);
    }

    /**
     * An Awaitility condition factory that waits at most {@link #defaultWait()}, checks at once and
     * then every {@link #POLL_INTERVAL}. Override {@code atMost} for longer waits, with a scaled value.
     */
    public static ConditionFactory await() {
        return Awaitility.await()
                .atMost(defaultWait())
                .pollDelay(Duration.ZERO)
                .pollInterval(POLL_INTERVAL);
    }

    /** Same as {@link #await()}, with a description that failure messages show. */
    public static ConditionFactory await(String description) {
        return await().alias(description);
    }

    /**
     * The factor for the given property value and {@code CI} variable; package-private for tests.
     *
     * @throws IllegalArgumentException if {@code property} is not a positive finite number
     */
    static double factorFrom(String property, String ci) {
        if (property == null || property.isBlank()) {
            return "true".equalsIgnoreCase(ci == null ? null : ci.trim()) ? 2 : 1;
        }
        double factor;
        try {
            factor = Double.parseDouble(property.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(FACTOR_PROPERTY + " must be a positive number, but is '"
                    + property + "'", e);
        }
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException(FACTOR_PROPERTY + " must be a positive number, but is '"
                    + property + "'");
        }
        return factor;
    }
}
