package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.Lease;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException.Code;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Weak spot 12 (RELIABILITY.md, run K2): after a ZooKeeper leader kill, a worker's own session
 * deleted the node it had just been granted, and the next waiter held the lock while the first
 * still believed itself valid. The answer to a create of an earlier round (sent on the expired
 * session, or lost with a connection) purged nodes by the attempt's id as it was when the answer
 * came: renewed for the new session, or still in use. ZooKeeper delivers such answers on its event
 * thread in an order that races Curator's state thread; here the test hands the attempt that late
 * answer itself, at the moment that used to do the damage, against a real server.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LateCreateAnswerTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;
    private CuratorFramework other;
    private LockEngine engine;
    private LockEngine otherEngine;

    @BeforeEach
    void start() throws Exception {
        curator = ZooKeeperServerExtension.connectedCurator("127.0.0.1:" + zk.port(), Duration.ofSeconds(10));
        other = ZooKeeperServerExtension.connectedCurator("127.0.0.1:" + zk.port(), Duration.ofSeconds(10));
        engine = LockEngine.start(curator, ZooKeeperLockOptions.defaults(), false);
        otherEngine = LockEngine.start(other, ZooKeeperLockOptions.defaults(), false);
    }

    @AfterEach
    void stop() {
        engine.stop();
        otherEngine.stop();
        curator.close();
        other.close();
    }

    @Test
    void aLateAnswerToAnEarlierCreateNeverDeletesTheGrantedLeasesNode() throws Exception {
        AcquireAttempt attempt = ((ZkLock) engine.lock("late")).startAttempt();
        ZkLease lease = attempt.result.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
        lease.lost(); // watches the node, as a holder that listens does

        attempt.lateCreateAnswer(attempt.attemptId(), Code.CONNECTIONLOSS);

        settled();
        Optional<Lease> waiter = otherEngine.lock("late").tryAcquire(Duration.ofMillis(Timing.scaledMillis(500)));
        assertThat(waiter).as("another client got the lock while the holder's lease stood").isEmpty();
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.lost()).isNotDone();
        assertThat(curator.checkExists().forPath(lease.path())).as("the granted lease's node").isNotNull();
        lease.release();
    }

    @Test
    void aLateAnswerFromTheExpiredSessionNeverDeletesTheNewSessionsNode() throws Exception {
        Lease holder = otherEngine.lock("late").acquire();
        AcquireAttempt attempt = ((ZkLock) engine.lock("late")).startAttempt();
        String oldId = attempt.attemptId();
        Timing.await("the waiter's node").until(() -> nodesOf(oldId).size() == 1);

        attempt.sessionLost(); // as when Curator reports a new session: a new id, the old node purged
        String newId = attempt.attemptId();
        assertThat(newId).isNotEqualTo(oldId);
        attempt.resync();
        Timing.await("the waiter's node under its new id").until(() -> nodesOf(newId).size() == 1);
        List<String> waiting = nodesOf(newId);

        attempt.lateCreateAnswer(oldId, Code.SESSIONEXPIRED); // the old session's create, failed late

        settled();
        assertThat(nodesOf(oldId)).isEmpty();
        assertThat(nodesOf(newId)).as("the waiter's node of the new id, where it was in the queue").isEqualTo(waiting);
        holder.release();
        ZkLease lease = attempt.result.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.path()).endsWith("/" + waiting.get(0));
        lease.release();
    }

    /**
     * Returns once everything the late answer set off on this session is answered: the janitor's
     * read and any delete it sent from that read's callback. Two chained requests on the same
     * session: callbacks run in order on the event thread, and replies come in the order sent.
     */
    private void settled() throws Exception {
        assertThat(engine.janitor().isIdle()).as("nothing waits for a reconnection").isTrue();
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        curator.checkExists().inBackground((client, first) -> {
            try {
                client.checkExists().inBackground((again, second) -> done.complete(null)).forPath("/");
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }).forPath("/");
        done.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);
    }

    private List<String> nodesOf(String attemptId) throws Exception {
        String queue = ((ZkLock) engine.lock("late")).path();
        return curator.getChildren().forPath(queue).stream().filter(child -> QueueNode.belongsTo(child, attemptId))
                .toList();
    }
}
