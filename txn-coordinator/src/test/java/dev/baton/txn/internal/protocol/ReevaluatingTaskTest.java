package dev.baton.txn.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.spi.lifecycle.ServiceExecutor;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Where a task's evaluations and stages run, on a real server: a task built to run on ZooKeeper's
 * event thread evaluates there when an event schedules it and continues there after a reply, but
 * is handed to its pool when scheduled from any other thread, and its blocking work always runs
 * on the pool; a task built without it never runs on the event thread.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ReevaluatingTaskTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private ZooKeeper zooKeeper;
    private ServiceExecutor pool;

    @BeforeEach
    void start() throws Exception {
        CuratorFramework curator = zk.closeAfter(ZooKeeperServerExtension.connectedCurator(zk.connectString(),
                ZooKeeperServerExtension.sessionTimeout()));
        zooKeeper = curator.getZookeeperClient().getZooKeeper();
        pool = ServiceExecutor.scheduled("probe-pool", 2);
    }

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    /** One evaluation: a read, a stage after its reply, then blocking work; records each one's thread. */
    private final class Probe extends ReevaluatingTask {

        final List<String> evaluated = new CopyOnWriteArrayList<>();
        final List<String> staged = new CopyOnWriteArrayList<>();
        final List<String> blocked = new CopyOnWriteArrayList<>();

        Probe(boolean onEventThread) {
            super(pool, 100, onEventThread);
        }

        @Override
        protected CompletableFuture<Void> evaluate() {
            evaluated.add(Thread.currentThread().getName());
            CompletableFuture<byte[]> reply = new CompletableFuture<>();
            zooKeeper.getData("/", false, (rc, path, ctx, data, stat) -> reply.complete(data), null);
            return reply.thenApplyAsync(data -> staged.add(Thread.currentThread().getName()), executor())
                    .thenAcceptAsync(done -> blocked.add(Thread.currentThread().getName()), pool());
        }
    }

    /** Creates a node whose creation an {@code exists} watch reports by scheduling {@code task}. */
    private void scheduleFromAnEvent(ReevaluatingTask task, String node) throws Exception {
        zooKeeper.exists(node, event -> task.schedule());
        zooKeeper.create(node, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
    }

    @Test
    void aTaskOnTheEventThreadEvaluatesThereOnAnEventAndHandsOnlyBlockingWorkToThePool() throws Exception {
        Probe task = new Probe(true);
        scheduleFromAnEvent(task, "/first");
        Timing.await("the evaluation's blocking work ran").until(() -> task.blocked.size() == 1);
        assertThat(task.evaluated).singleElement().satisfies(name -> assertThat(name).endsWith("-EventThread"));
        assertThat(task.staged).singleElement().satisfies(name -> assertThat(name).endsWith("-EventThread"));
        assertThat(task.blocked).singleElement().satisfies(name -> assertThat(name).startsWith("probe-pool-"));

        // Scheduled from the test's thread: the evaluation goes to the pool, the stage after the
        // reply runs where the reply came.
        task.schedule();
        Timing.await("the second evaluation's blocking work ran").until(() -> task.blocked.size() == 2);
        assertThat(task.evaluated.get(1)).startsWith("probe-pool-");
        assertThat(task.staged.get(1)).endsWith("-EventThread");
        assertThat(task.blocked.get(1)).startsWith("probe-pool-");
    }

    @Test
    void aTaskWithoutItRunsEverythingOnThePool() throws Exception {
        Probe task = new Probe(false);
        scheduleFromAnEvent(task, "/second");
        Timing.await("the evaluation's blocking work ran").until(() -> task.blocked.size() == 1);
        assertThat(task.evaluated).singleElement().satisfies(name -> assertThat(name).startsWith("probe-pool-"));
        assertThat(task.staged).singleElement().satisfies(name -> assertThat(name).startsWith("probe-pool-"));
        assertThat(task.blocked).singleElement().satisfies(name -> assertThat(name).startsWith("probe-pool-"));
    }
}
