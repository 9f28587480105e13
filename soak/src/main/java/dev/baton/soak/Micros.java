package dev.baton.soak;

import java.time.Instant;

/**
 * Wall-clock time in microseconds since the epoch: the one time base of the history. Every process
 * of a run (harness, workers) is on the same machine and reads the same clock, so their stamps
 * compare; a clock step during a run would distort the figures (and is reported as nonsense, never
 * hidden), which is why the run records the monotonic duration too.
 */
public final class Micros {

    private Micros() {
    }

    /** Now, in microseconds since the epoch. */
    public static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
