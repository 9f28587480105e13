package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.LockClient;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperEnsembleExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingZooKeeperServer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CURATOR-653 (a ZooKeeper leader change): the ensemble's leader dies while candidates campaign.
 * Clients of the remaining servers are disconnected while the ensemble elects a new leader, and
 * Curator's latch could come out of it with two leaders (its reset after reconnecting raced with
 * the other candidates' deletions). Here every grant finds the
 * previous leadership already invalid, and the election goes on once a quorum is back.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@Tag("slow")
class ZooKeeperElectionEnsembleTest {

    @RegisterExtension
    final ZooKeeperEnsembleExtension ensemble = ZooKeeperEnsembleExtension.of(3).tickMillis(500)
            .property("maxSessionTimeout", "120000");

    private LockClient client() {
        return ensemble.lockClient(Map.of(
                "baton.zookeeper.session-timeout", Timing.scaled(Duration.ofSeconds(30)).toMillis() + "ms",
                "baton.zookeeper.connection-timeout", Timing.scaled(Duration.ofSeconds(15)).toMillis() + "ms"));
    }

    @Test
    void aZooKeeperLeaderChangeNeverMakesTwoLeaders() throws Exception {
        LeadershipLedger ledger = new LeadershipLedger();
        try (LeadershipLedger.Candidates candidates = ledger.campaign(List.of(client(), client(), client()),
                "ensemble/election")) {
            LeadershipLedger.Grant before = ledger.awaitLeader();
            TestingZooKeeperServer leader = ensemble.leader();
            assertThat(ensemble.cluster().killServer(leader.getInstanceSpec())).isTrue();
            // Followers drop their clients while they elect: the leader stops leading, and someone
            // (it again, or another candidate) leads once the ensemble is back.
            Timing.await("the leader stops leading during the ZooKeeper election")
                    .atMost(Timing.scaled(Duration.ofSeconds(60))).until(() -> !before.leadership().isValid());
            LeadershipLedger.Grant after = ledger.awaitLeaderOtherThan(before);
            assertThat(after.leadership().term()).isGreaterThan(before.leadership().term());
            candidates.stop();
        }
        ledger.assertNeverTwoLeaders();
    }
}
