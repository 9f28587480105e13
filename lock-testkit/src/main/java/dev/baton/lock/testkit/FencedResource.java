package dev.baton.lock.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A stand-in for a storage system that enforces fencing: it remembers the highest fencing token it
 * has accepted and refuses writes that carry an older one. A write with the same token is accepted,
 * so one holder may write several times under one lease.
 *
 * <p>This is what makes a late write from a paused or partitioned former holder harmless; tests use
 * it to show that the tokens a backend hands out are good enough for that.
 *
 * <p>Thread safety: all methods are safe to call from any thread; each write is atomic.
 */
public final class FencedResource {

    private final List<String> values = new ArrayList<>();
    private long highestToken = Long.MIN_VALUE;
    private int rejectedWrites;

    /**
     * Writes {@code value} if {@code fencingToken} is at least the highest token accepted so far.
     *
     * @return true if the write was accepted; false if it was rejected as stale
     * @throws NullPointerException if {@code value} is null
     */
    public synchronized boolean write(long fencingToken, String value) {
        Objects.requireNonNull(value, "value");
        if (fencingToken < highestToken) {
            rejectedWrites++;
            return false;
        }
        highestToken = fencingToken;
        values.add(value);
        return true;
    }

    /** The highest token accepted so far, or {@link Long#MIN_VALUE} before the first accepted write. */
    public synchronized long highestToken() {
        return highestToken;
    }

    /** The accepted values, oldest first; a snapshot. */
    public synchronized List<String> values() {
        return List.copyOf(values);
    }

    /** The last accepted value, or null if none was accepted. */
    public synchronized String lastValue() {
        return values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /** How many writes were rejected as stale. */
    public synchronized int rejectedWrites() {
        return rejectedWrites;
    }

    @Override
    public synchronized String toString() {
        return "FencedResource[highestToken=" + highestToken + ", accepted=" + values.size()
                + ", rejected=" + rejectedWrites + "]";
    }
}
