package dev.baton.lock.testkit.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperServerExtensionTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    /** Run with {@code -Dbaton.test.timing.factor=2} or more, this failed before the cap was raised. */
    @Test
    void theServerGrantsTheScaledSessionAtThisFactor() throws Exception {
        CuratorFramework curator = ZK.connectedCurator(ZooKeeperServerExtension.sessionTimeout());
        assertThat((long) curator.getZookeeperClient().getZooKeeper().getSessionTimeout())
                .as("negotiated session at timing factor %s", Timing.factor())
                .isEqualTo(ZooKeeperServerExtension.sessionTimeout().toMillis());
    }

    @Test
    void theCapIsTwentyTicksOrTheScaledSessionUnlessSet() {
        long session = ZooKeeperServerExtension.sessionTimeout().toMillis();
        assertThat(ZooKeeperServerExtension.withScaledSessions(100, Map.of()))
                .containsEntry("maxSessionTimeout", String.valueOf(Math.max(2000, session)));
        assertThat(ZooKeeperServerExtension.withScaledSessions(500, Map.of("x", "y")))
                .containsEntry("maxSessionTimeout", String.valueOf(Math.max(10_000, session)))
                .containsEntry("x", "y");
        assertThat(ZooKeeperServerExtension.withScaledSessions(100, Map.of("maxSessionTimeout", "120000")))
                .containsEntry("maxSessionTimeout", "120000");
    }
}
