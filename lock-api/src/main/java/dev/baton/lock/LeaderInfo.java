package dev.baton.lock;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Who leads an election right now, as the backend shows it. A snapshot: it may be stale by the
 * time it is read. Use it to find the leader (its payload, say an address), never to decide
 * whether you lead: only a valid {@link Leadership} says that.
 *
 * @param election the election's name, unencoded
 * @param payload what the leader published (empty if it published nothing)
 * @param term the leader's term: its {@link Leadership#term()}
 * @param since when the leader's claim was recorded (ZooKeeper: when its candidacy was created;
 *     Redis: when it won), by the backend's clock, or empty if the backend does not record it
 */
public record LeaderInfo(String election, String payload, long term, Optional<Instant> since) {

    /** Checks the fields. */
    public LeaderInfo {
        Objects.requireNonNull(election, "election");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(since, "since");
    }
}
