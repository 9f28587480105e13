package dev.baton.soak.cluster;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded polling for the harness's own set-up steps (the tests use Awaitility). */
public final class Wait {

    private static final long POLL_MILLIS = 50;

    private Wait() {
    }

    /**
     * Polls {@code condition} until it holds or {@code timeout} passes; a condition that throws
     * counts as not yet.
     *
     * @return whether it held in time
     */
    public static boolean until(Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return true;
                }
            } catch (RuntimeException e) {
                // not ready yet
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            sleep(POLL_MILLIS);
        }
    }

    /** As {@link #until}, but throws {@link IllegalStateException} naming {@code what} on timeout. */
    public static void require(String what, Duration timeout, BooleanSupplier condition) {
        if (!until(timeout, condition)) {
            throw new IllegalStateException("timed out after " + timeout.toMillis() + " ms waiting until " + what);
        }
    }

    /** Sleeps, keeping the interrupt flag. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
