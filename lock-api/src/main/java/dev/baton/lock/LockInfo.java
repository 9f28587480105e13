package dev.baton.lock;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a backend shows about one lock right now, for operators ({@code baton locks}). A snapshot:
 * it may be stale by the time it is read.
 *
 * @param name the lock's name, decoded
 * @param holder who holds it, as the backend records it (ZooKeeper: {@code pid@host} of the holder;
 *     Redis: the lease id)
 * @param fencingToken the holder's fencing token
 * @param since when the holder's claim was recorded (ZooKeeper: when it queued; Redis: when it acquired),
 *     or empty if the backend does not record it
 * @param waiters how many requests are queued behind the holder, or -1 if the backend keeps no queue
 */
public record LockInfo(String name, String holder, long fencingToken, Optional<Instant> since, int waiters) {

    /** Checks the fields. */
    public LockInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(since, "since");
    }
}
