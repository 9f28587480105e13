package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockException;
import dev.baton.lock.LossReason;
import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.lock.zookeeper.ext.LeaseRequest;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.test.KillSession;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leases taken and given up inside the caller's own multi ({@link LeaseRequest},
 * {@link CallerQueues#releaseOp}), and locks on queues the caller owns
 * ({@link CallerQueues#lockAt}), on a real server.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ZooKeeperCallerMultiTest {

    @RegisterExtension
    static final ZooKeeperServerExtension ZK = ZooKeeperServerExtension.create();

    private CuratorFramework inspector;
    private static final java.util.concurrent.atomic.AtomicInteger JOBS = new java.util.concurrent.atomic.AtomicInteger();

    @BeforeEach
    void setUp() throws Exception {
        inspector = ZK.curator();
        inspector.blockUntilConnected();
        if (inspector.checkExists().forPath("/app/jobs") == null) {
            inspector.create().creatingParentsIfNeeded().forPath("/app/jobs");
        }
    }

    /** A started Curator client of our own, with a short session, and caller queues wrapping it. */
    private CallerQueues client() throws InterruptedException {
        CuratorFramework curator = ZK.connectedCurator(ZooKeeperServerExtension.sessionTimeout());
        return ZK.closeAfter(CallerQueues.wrap(curator, ZooKeeperLockOptions.defaults()));
    }

    /** A fresh job path: the caller's own node, whose child {@code owner} is the lock's queue. */
    private String newJob() {
        return "/app/jobs/" + JOBS.incrementAndGet();
    }

    /** Creates the job and its owner queue, and the request's queue node, in one multi. */
    private static void beginJob(CallerQueues client, String job, LeaseRequest request) throws Exception {
        CuratorFramework curator = client.curator();
        curator.transaction().forOperations(List.of(
                curator.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(job),
                curator.transactionOp().create().withMode(CreateMode.PERSISTENT).forPath(job + "/owner"),
                request.createOp()));
    }

    /** The zxid of a write made now: ZooKeeper numbers every write, so differences count writes. */
    private long zxidOfNewNode() throws Exception {
        String path = inspector.create().withMode(CreateMode.EPHEMERAL_SEQUENTIAL).forPath("/marker-");
        return inspector.checkExists().forPath(path).getCzxid();
    }

    @Test
    void aNodeCreatedInTheCallersMultiBecomesALeaseWhoseTokenIsItsCzxid() throws Exception {
        CallerQueues client = client();
        String job = newJob();
        LeaseRequest request = client.leaseRequest(job + "/owner");

        beginJob(client, job, request);
        Lease lease = request.adopt().orElseThrow();

        List<String> queue = inspector.getChildren().forPath(job + "/owner");
        assertThat(queue).singleElement().satisfies(node -> assertThat(CallerQueues.isQueueNode(node)).isTrue());
        long czxid = inspector.checkExists().forPath(job + "/owner/" + queue.get(0)).getCzxid();
        assertThat(lease.fencingToken()).isEqualTo(czxid);
        assertThat(inspector.checkExists().forPath(job).getCzxid()).as("created by the same write").isEqualTo(czxid);
        assertThat(lease.lockName()).isEqualTo(job + "/owner");
        assertThat(lease.isValid()).isTrue();
        assertThatThrownBy(request::adopt).isInstanceOf(IllegalStateException.class).hasMessageContaining("adopted already");
        lease.release();
        assertThat(inspector.getChildren().forPath(job + "/owner")).isEmpty();
    }

    /** The asynchronous adoption answers as the blocking one: the lease at the head, empty elsewhere or without a node. */
    @Test
    void adoptAsyncTakesTheNodeWithNoThreadWaitingAndAnswersEmptyWhereAdoptWould() throws Exception {
        CallerQueues client = client();
        String job = newJob();
        LeaseRequest request = client.leaseRequest(job + "/owner");
        beginJob(client, job, request);

        Lease lease = request.adoptAsync().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS).orElseThrow();

        String node = inspector.getChildren().forPath(job + "/owner").get(0);
        assertThat(lease.fencingToken()).isEqualTo(inspector.checkExists().forPath(job + "/owner/" + node).getCzxid());
        assertThat(lease.isValid()).isTrue();
        assertThatThrownBy(request::adoptAsync).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("adopted already");

        LeaseRequest late = client().leaseRequest(job + "/owner");
        client.curator().transaction().forOperations(List.of(late.createOp()));
        assertThat(late.adoptAsync().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .as("not at the head: given up").isEmpty();
        Timing.await("the late node is deleted").until(() -> inspector.getChildren().forPath(job + "/owner").size() == 1);
        LeaseRequest never = client.leaseRequest(newJob() + "/owner");
        assertThat(never.adoptAsync().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .as("no queue: the multi never applied").isEmpty();
        lease.release();
    }

    @Test
    void releaseOpDeletesTheNodeInTheCallersMultiAndTheLeaseEndsReleasedWithoutAnotherWrite() throws Exception {
        CallerQueues client = client();
        String job = newJob();
        LeaseRequest request = client.leaseRequest(job + "/owner");
        beginJob(client, job, request);
        Lease lease = request.adopt().orElseThrow();
        CompletableFuture<LossReason> lost = lease.lost();
        CuratorFramework curator = client.curator();

        long before = zxidOfNewNode();
        curator.transaction().forOperations(List.of(client.releaseOp(lease),
                curator.transactionOp().delete().forPath(job + "/owner"),
                curator.transactionOp().delete().forPath(job)));
        client.markReleased(lease);
        client.markReleased(lease);
        Timing.await("the janitor has nothing to do").until(() -> engineOf(client).isJanitorIdle());
        long after = zxidOfNewNode();

        assertThat(after - before).as("one write between the markers: the caller's multi").isEqualTo(2);
        assertThat(inspector.checkExists().forPath(job)).isNull();
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::fencingToken).isInstanceOf(IllegalStateException.class).hasMessageContaining("released");
        assertThat(lost).as("a release is not a loss, though the watch saw the node go").isNotDone();
        assertThatThrownBy(() -> client.releaseOp(lease)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lockAtWaitsWithoutWritingWhileTheLeaseIsHeldAndTakesOverWhenItsHolderIsGone() throws Exception {
        CallerQueues holder = client();
        CallerQueues successor = client();
        String job = newJob();
        LeaseRequest request = holder.leaseRequest(job + "/owner");
        beginJob(holder, job, request);
        long firstToken = request.adopt().orElseThrow().fencingToken();
        DistributedLock lock = successor.lockAt(job + "/owner");
        assertThat(lock.name()).isEqualTo(job + "/owner");

        long before = zxidOfNewNode();
        assertThat(lock.tryAcquire(Duration.ZERO)).isEmpty();
        assertThat(zxidOfNewNode() - before).as("a one-shot try on a held queue writes nothing").isEqualTo(1);

        CompletableFuture<Lease> waiting = lock.acquireAsync();
        Timing.await().until(() -> inspector.getChildren().forPath(job + "/owner").size() == 2);
        holder.curator().close();
        Lease second = waiting.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);

        assertThat(second.fencingToken()).isGreaterThan(firstToken);
        second.release();
        Optional<Lease> third = lock.tryAcquire(Duration.ZERO);
        assertThat(third).isPresent();
        third.get().release();
    }

    @Test
    void anExpiredSessionMakesAnAdoptedLeaseLostAndFreesTheQueue() throws Exception {
        CallerQueues holder = client();
        CallerQueues successor = client();
        String job = newJob();
        LeaseRequest request = holder.leaseRequest(job + "/owner");
        beginJob(holder, job, request);
        Lease lease = request.adopt().orElseThrow();
        long token = lease.fencingToken();
        CompletableFuture<LossReason> lost = lease.lost();

        KillSession.kill(holder.curator().getZookeeperClient().getZooKeeper());

        assertThat(lost.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS))
                .isIn(LossReason.SESSION_EXPIRED, LossReason.CONNECTION_SUSPENDED);
        assertThat(lease.isValid()).isFalse();
        Lease next = Timing.await("the queue is free").ignoreExceptions()
                .until(() -> successor.lockAt(job + "/owner").tryAcquire(Duration.ZERO), Optional::isPresent).get();
        assertThat(next.fencingToken()).isGreaterThan(token);
        next.release();
    }

    /**
     * Given the multi's results, a request whose queue the same multi created is adopted with no
     * read (complete on return; the token is in the create's result), and holds like any other;
     * without the queue's create in the results it reads, as {@code adoptAsync()} does. A client
     * whose session clock has no recent answer reads too (the first adoption here).
     */
    @Test
    void adoptAsyncWithTheMultisResultsReadsNothingWhenTheMultiCreatedTheQueue() throws Exception {
        CallerQueues client = client();
        ZooKeeper handle = client.curator().getZookeeperClient().getZooKeeper();
        String existing = newJob() + "/owner";
        inspector.create().creatingParentsIfNeeded().forPath(existing);
        LeaseRequest first = client.leaseRequest(existing);
        List<OpResult> alone = handle.multi(List.of(first.createOp().get()));
        Lease held = first.adoptAsync(alone).get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS).orElseThrow();
        LeaseRequest behind = client().leaseRequest(existing);
        List<OpResult> late = handle.multi(List.of(behind.createOp().get()));
        assertThat(behind.adoptAsync(late).get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .as("not at the head: given up").isEmpty();
        Timing.await("the node behind is deleted").until(() -> inspector.getChildren().forPath(existing).size() == 1);
        assertThat(held.isValid()).isTrue();

        String job = newJob();
        LeaseRequest request = client.leaseRequest(job + "/owner");
        List<OpResult> results = handle.multi(List.of(
                Op.create(job, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.create(job + "/owner", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                request.createOp().get()));

        CompletableFuture<Optional<Lease>> adopted = request.adoptAsync(results);

        assertThat(adopted).as("no read: answered on return").isDone();
        Lease lease = adopted.join().orElseThrow();
        String node = inspector.getChildren().forPath(job + "/owner").get(0);
        assertThat(lease.fencingToken()).isEqualTo(inspector.checkExists().forPath(job + "/owner/" + node).getCzxid())
                .isEqualTo(inspector.checkExists().forPath(job).getCzxid());
        assertThat(lease.isValid()).isTrue();
        assertThatThrownBy(() -> request.adoptAsync(results)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("adopted already");
        CompletableFuture<LossReason> lost = lease.lost();
        inspector.delete().forPath(job + "/owner/" + node);
        assertThat(lost.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isEqualTo(LossReason.TAKEN_OVER);
        held.release();
        assertThat(inspector.getChildren().forPath(existing)).isEmpty();
    }

    @Test
    void adoptIsEmptyWhenTheMultiDidNotApply() throws Exception {
        CallerQueues client = client();
        String job = newJob();
        inspector.create().creatingParentsIfNeeded().forPath(job);
        LeaseRequest request = client.leaseRequest(job + "/owner");

        assertThatThrownBy(() -> beginJob(client, job, request)).isInstanceOf(KeeperException.NodeExistsException.class);

        assertThat(request.adopt()).isEmpty();
        assertThat(inspector.checkExists().forPath(job + "/owner")).isNull();
    }

    @Test
    void aNodeThatIsNotAtTheHeadOfItsQueueIsGivenUpNotAdopted() throws Exception {
        CallerQueues holder = client();
        CallerQueues late = client();
        String queue = newJob() + "/owner";
        inspector.create().creatingParentsIfNeeded().forPath(queue);
        Lease held = holder.lockAt(queue).acquire();
        LeaseRequest request = late.leaseRequest(queue);

        late.curator().transaction().forOperations(List.of(request.createOp()));

        assertThat(request.adopt()).isEmpty();
        Timing.await("the late node is deleted").until(() -> inspector.getChildren().forPath(queue).size() == 1);
        assertThat(held.isValid()).isTrue();
        held.release();
    }

    @Test
    void lockAtNeverCreatesAMissingQueue() throws Exception {
        CallerQueues client = client();
        String queue = newJob() + "/owner";
        DistributedLock lock = client.lockAt(queue);

        assertThatThrownBy(() -> lock.tryAcquire(Duration.ZERO)).isInstanceOf(LockException.class)
                .hasMessageContaining(queue).hasCauseInstanceOf(KeeperException.NoNodeException.class);
        assertThatThrownBy(() -> lock.acquireAsync().get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS))
                .hasCauseInstanceOf(LockException.class);
        assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(200))).isInstanceOf(LockException.class);
        assertThat(inspector.checkExists().forPath(queue)).isNull();
        assertThat(inspector.checkExists().forPath(queue.substring(0, queue.lastIndexOf('/')))).isNull();
    }

    @Test
    void misuseIsRejectedWithAMessageThatSaysWhatWasWrong() throws Exception {
        CallerQueues client = client();
        CallerQueues other = client();
        Lease foreign = other.lockAt("/app/jobs").acquire();

        assertThatThrownBy(() -> client.releaseOp(foreign)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a lease granted by this lock client");
        assertThatThrownBy(() -> client.markReleased(foreign)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.lockAt("relative/path")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.leaseRequest("/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.leaseRequest("/zookeeper/quota")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.lockAt(null)).isInstanceOf(NullPointerException.class);
        assertThat(CallerQueues.isQueueNode("lease-0123456789abcdef-0000000007")).isTrue();
        assertThat(CallerQueues.isQueueNode("not-a-lease")).isFalse();
        foreign.release();
        client.close();
        assertThatThrownBy(() -> client.leaseRequest("/app/closed")).isInstanceOf(IllegalStateException.class);
        CuratorOp unused = other.leaseRequest("/app/unused").createOp();
        assertThat(unused.getTypeAndPath().getForPath()).startsWith("/app/unused/lease-");
    }

    /** The engine under {@code queues}, for the janitor's state. */
    private static dev.baton.lock.zookeeper.internal.LockEngine engineOf(CallerQueues queues) throws Exception {
        java.lang.reflect.Field engine = CallerQueues.class.getDeclaredField("engine");
        engine.setAccessible(true);
        return (dev.baton.lock.zookeeper.internal.LockEngine) engine.get(queues);
    }
}
