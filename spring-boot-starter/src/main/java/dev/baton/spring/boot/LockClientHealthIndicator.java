package dev.baton.spring.boot;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInspection;
import java.time.Duration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP when the lock backend answers a ping ({@link LockInspection#ping()}), DOWN when it does not: a
 * ZooKeeper client whose connection is suspended or whose session is lost is DOWN at once, without
 * a request. Details: the backend and the ping's round trip, or the error.
 */
public final class LockClientHealthIndicator implements HealthIndicator {

    private final LockClient client;

    /** An indicator for {@code client}. */
    public LockClientHealthIndicator(LockClient client) {
        this.client = client;
    }

    @Override
    public Health health() {
        if (!(client instanceof LockInspection inspection)) {
            return Health.unknown().withDetail("backend", client.backend())
                    .withDetail("reason", "this backend cannot check its connection").build();
        }
        try {
            Duration ping = inspection.ping();
            return Health.up().withDetail("backend", client.backend())
                    .withDetail("pingMicros", ping.toNanos() / 1_000).build();
        } catch (LockException | IllegalStateException e) {
            return Health.down().withDetail("backend", client.backend()).withDetail("error", e.getMessage()).build();
        } catch (UnsupportedOperationException e) {
            return Health.unknown().withDetail("backend", client.backend()).withDetail("reason", e.getMessage()).build();
        }
    }
}
