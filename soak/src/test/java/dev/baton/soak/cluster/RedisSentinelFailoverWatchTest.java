package dev.baton.soak.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.lock.testkit.Timing;
import dev.baton.soak.FaultKind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak hears every failover the Sentinel announces, so the checker can tell an injected one
 * from one the Sentinel made on its own (run K34).
 */
@Tag("slow") // a failover takes the Sentinel a few seconds
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class RedisSentinelFailoverWatchTest {

    @Test
    void anInjectedFailoverIsHeardFromBeginningToAnnouncement(@TempDir Path root) {
        List<long[]> times = new CopyOnWriteArrayList<>();
        List<String> what = new CopyOnWriteArrayList<>();
        try (RedisSentinelSetup setup = RedisSentinelSetup.start(root, "redis", Duration.ofSeconds(2))) {
            setup.watchFailovers((start, end, from) -> {
                times.add(new long[] {start, end});
                what.add(from);
            });
            LockCluster.Injection injection = setup.inject(FaultKind.SENTINEL_FAILOVER);
            String killed = injection.target();
            injection.heal();
            Timing.await("the Sentinel announces the failover").atMost(Timing.scaled(Duration.ofSeconds(30)))
                    .until(() -> !what.isEmpty());
            String port = killed.replaceAll("^.*:(\\d+).*$", "$1");
            assertTrue(what.get(0).startsWith(":" + port + " -> :"), what + " begins at the killed master " + killed);
            assertTrue(times.get(0)[0] < times.get(0)[1], "begun before announced");
            Timing.await("the setup is whole again").atMost(Timing.scaled(Duration.ofSeconds(60)))
                    .until(setup::healthy);
        }
    }
}
