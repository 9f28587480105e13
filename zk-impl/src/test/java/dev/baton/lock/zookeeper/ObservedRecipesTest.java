package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.CoordinationInfo;
import dev.baton.lock.Leadership;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockInspection;
import dev.baton.lock.LockListener;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client opened with a {@link LockListener} is a wrapper around the backend's: the recipes and
 * their inspection must pass through it, and the read-write lock's leases are reported.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ObservedRecipesTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    @Test
    void recipesWorkThroughAnObservedClient() throws Exception {
        List<String> acquired = new CopyOnWriteArrayList<>();
        LockListener listener = new LockListener() {
            @Override
            public void acquired(String backend, String lockName, Duration waited) {
                acquired.add(lockName);
            }
        };
        try (LockClient client = LockClients.open(ZooKeeperServerExtension.config(ZK.connectString()), listener)) {
            try (Lease read = client.readWriteLock("observed/rw").readLock().acquire();
                    Lease permit = client.semaphore("observed/sem", 2).acquire();
                    Leadership leader = client.election("observed/election").withPayload("me").campaign()) {
                assertThat(read.isValid()).isTrue();
                assertThat(permit.isValid()).isTrue();
                assertThat(leader.isValid()).isTrue();
                assertThat(((LockInspection) client).coordination("observed/")).extracting(CoordinationInfo::name)
                        .containsExactly("observed/rw", "observed/sem", "observed/election");
            }
            assertThat(client.readWriteLock("observed/rw").writeLock().tryAcquire(Duration.ZERO)).isPresent()
                    .get().satisfies(Lease::release);
        }
        assertThat(acquired).contains("observed/rw");
    }
}
