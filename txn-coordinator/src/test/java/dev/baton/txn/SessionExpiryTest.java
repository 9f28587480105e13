package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.TcpProxy;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.lock.zookeeper.ext.CallerQueues;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.participant.ParticipantHost;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryNTimes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 10, reproduced deterministically: a coordinator cut off from ZooKeeper past its session
 * (as by a long GC pause or a frozen VM: from the server's side the same) while another instance
 * finishes its transaction, then reconnecting with a new session.
 *
 * <p>The cut-off coordinator talks to the server through a {@link TcpProxy}; the participant host,
 * the surviving coordinator and the inspecting client connect directly.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SessionExpiryTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private TcpProxy proxy;
    private CuratorFramework hostCurator;
    private CuratorFramework inspector;
    private CuratorFramework victimCurator;
    private ParticipantHost host;
    private final MemoryParticipant a = new MemoryParticipant();
    private final MemoryParticipant b = new MemoryParticipant();

    @BeforeEach
    void start() {
        proxy = zk.closeAfter(TcpProxy.start(new InetSocketAddress("127.0.0.1", zk.port())));
        hostCurator = TxnTesting.client(zk);
        inspector = TxnTesting.client(zk);
        victimCurator = zk.closeAfter(TxnTesting.client("127.0.0.1:" + proxy.port()));
        host = zk.closeAfter(ParticipantHost.builder(hostCurator).participant("a", a).participant("b", b)
                .abortGrace(Duration.ofSeconds(30)).start());
    }

    private Outcome transfer(TransactionCoordinator coordinator) throws InterruptedException {
        return coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1]).timeout(Duration.ofSeconds(20))
                .commit();
    }

    /**
     * A begin that cannot be sent: the coordinator has no connection (the proxy refuses every
     * reconnect), so it waits for one, then fails the begin as not sent. The caller gets a
     * TransactionException that is not OutcomeUnknownException, so a retry is safe, and once the
     * connection is back nothing of it is in ZooKeeper and the next transfer commits.
     */
    @Test
    void aBeginThatCannotBeSentFailsAsNotSent() throws Exception {
        TransactionCoordinator victim = zk.closeAfter(TransactionCoordinator.start(victimCurator));
        transfer(victim); // the participants' liveness is cached now: the begin is the next request
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        proxy.cut();
        Timing.await("the coordinator's client has lost its connection")
                .until(() -> !victimCurator.getZookeeperClient().isConnected());

        assertThatThrownBy(() -> transfer(victim)).isInstanceOf(TransactionException.class)
                .isNotInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("nothing was written");
        proxy.restore();
        Timing.await("reconnected").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> victimCurator.getZookeeperClient().isConnected());
        assertThat(TxnTesting.transactions(inspector)).isEmpty();
        assertThat(transfer(victim).isCommitted()).isTrue();
    }

    /**
     * Part A: the begin reaches the server, its reply is lost, the session expires, another
     * instance commits and collects the transaction, then the first reconnects. The first send
     * is never repeated: the caller is told COMMITTED, and the transaction had one life.
     */
    @Test
    void aBeginWhoseReplyWasLostIsNeverBegunTwiceAndItsCallerLearnsTheTrueOutcome() throws Exception {
        TransactionCoordinator victim = zk.closeAfter(TransactionCoordinator.start(victimCurator));
        transfer(victim); // the participants' liveness is cached now: the begin is the next request
        TransactionCoordinator survivor = zk.closeAfter(TransactionCoordinator.start(TxnTesting.client(
                zk.connectString())));
        zk.closeAfter(survivor.curator());
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        long before = TxnTesting.zxid(zk.port());

        proxy.dropReplies();
        CompletableFuture<Outcome> told = victim.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Duration.ofSeconds(20)).commitAsync();
        Timing.await("the begin reached the server").until(() -> !TxnTesting.transactions(inspector).isEmpty());
        String txnId = TxnTesting.transactions(inspector).get(0);
        proxy.cut();
        Timing.await("the survivor took over, committed and collected " + txnId).atMost(Timing.scaled(
                Duration.ofSeconds(30))).until(() -> survivor.status(txnId).kind() == TransactionStatus.Kind.FINISHED);
        assertThat(told).as("still waiting while cut off").isNotDone();
        proxy.restore();

        Outcome outcome = told.get(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.txnId()).isEqualTo(txnId);
        assertThat(outcome.state()).as("what the participants did").isEqualTo(TransactionState.COMMITTED);
        assertThat(a.committed(txnId) && b.committed(txnId)).isTrue();
        assertThat(TxnLogReader.createsAfter(zk.server().getTempDirectory(), before))
                .as("the record was created once: the begin was never sent again")
                .filteredOn(path -> path.equals(TxnTesting.TXNS + "/" + txnId)).hasSize(1);
        assertThat(historyEntriesOf(txnId)).as("one life, one history entry").hasSize(1);
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(a.violations).isEmpty();
        assertThat(b.violations).isEmpty();
    }

    /**
     * Part A, the other way: the begin never reached the server (the proxy is cut before it is
     * sent and the session expires). Once ZooKeeper shows that it never took effect and never can,
     * the coordinator begins the transaction again under a new id, within the caller's timeout,
     * and the caller is told the outcome of that one; the first id stays unused.
     */
    @Test
    void aBeginThatNeverArrivedIsBegunAgainUnderANewIdAndTheCallerLearnsItsOutcome() throws Exception {
        List<String> begun = new CopyOnWriteArrayList<>();
        TransactionCoordinator victim = zk.closeAfter(TransactionCoordinator.builder(victimCurator)
                .steps(beginnings(begun)).start());
        CompletableFuture<Outcome> told = beginUnheard(victim, Duration.ofSeconds(60));

        Outcome outcome = told.get(Timing.scaledMillis(60_000), TimeUnit.MILLISECONDS);
        assertThat(outcome.state()).isEqualTo(TransactionState.COMMITTED);
        assertThat(begun).as("begins sent").hasSize(3); // the warm-up, the lost one, the new one
        String lost = begun.get(1);
        assertThat(outcome.txnId()).isEqualTo(begun.get(2)).isNotEqualTo(lost);
        Timing.await("both participants committed " + outcome.txnId())
                .until(() -> a.committed(outcome.txnId()) && b.committed(outcome.txnId()));
        assertThat(victim.status(lost).kind()).isEqualTo(TransactionStatus.Kind.NOT_BEGUN);
        assertThat(a.txnIds()).doesNotContain(lost);
        assertThat(b.txnIds()).doesNotContain(lost);
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(a.violations).isEmpty();
        assertThat(b.violations).isEmpty();
    }

    /**
     * The same, with a timeout that has passed by the time ZooKeeper can show the begin never took
     * effect: the caller hears that nothing was begun, and the id stays unused (a late copy of the
     * request can no longer take effect).
     */
    @Test
    void aBeginThatNeverArrivedIsReportedNotBegunWhenItsTimeoutHasPassed() throws Exception {
        List<String> begun = new CopyOnWriteArrayList<>();
        TransactionCoordinator victim = zk.closeAfter(TransactionCoordinator.builder(victimCurator)
                .steps(beginnings(begun)).start());
        // Shorter than the session, which must expire before the begin can be judged.
        CompletableFuture<Outcome> told = beginUnheard(victim, TxnTesting.sessionTimeout().dividedBy(2));

        Throwable failure = Timing.await("the caller is answered").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> told.handle((o, e) -> e).getNow(null), e -> e != null);
        Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
        assertThat(cause).isInstanceOf(TransactionException.class).isNotInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("nothing was written");
        String txnId = ((TransactionException) cause).txnId().orElseThrow();
        assertThat(begun).as("begins sent: the warm-up and the lost one, not sent again").hasSize(2)
                .endsWith(txnId);
        assertThat(victim.status(txnId).kind()).isEqualTo(TransactionStatus.Kind.NOT_BEGUN);
        assertThat(TxnTesting.transactions(inspector)).isEmpty();
        assertThat(a.txnIds()).doesNotContain(txnId);
    }

    /**
     * Every begin of one caller is lost the same way (the proxy holds its bytes back and the
     * session expires): the coordinator begins it anew at most three times in all, then tells the
     * caller that nothing was written, and none of the three ids was ever begun.
     */
    @Test
    void aCallerGetsAtMostThreeBeginsThenHearsNothingWasBegun() throws Exception {
        List<String> begun = new CopyOnWriteArrayList<>();
        StepListener loseEveryBeginAfterTheFirst = (step, txnId) -> {
            if (step == Step.BEGINNING) {
                begun.add(txnId);
                if (begun.size() > 1) {
                    proxy.blackhole(); // before the begin is sent: it never arrives
                }
            }
        };
        TransactionCoordinator victim = zk.closeAfter(TransactionCoordinator.builder(victimCurator)
                .steps(loseEveryBeginAfterTheFirst).start());
        transfer(victim); // the warm-up: the participants' liveness is cached
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        CompletableFuture<Outcome> told = victim.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(Timing.scaled(Duration.ofSeconds(90))).commitAsync();
        for (int lost = 1; lost <= 3; lost++) {
            int sent = 1 + lost;
            Timing.await("begin " + lost + " of the caller is sent").atMost(Timing.scaled(Duration.ofSeconds(30)))
                    .until(() -> begun.size() >= sent);
            long session = victimCurator.getZookeeperClient().getZooKeeper().getSessionId();
            Timing.await("the session of lost begin " + lost + " expired").atMost(Timing.scaled(Duration.ofSeconds(20)))
                    .until(() -> !sessionAlive(session));
            proxy.cut();
            proxy.restore();
        }

        Throwable failure = Timing.await("the caller is answered").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> told.handle((o, e) -> e).getNow(null), e -> e != null);
        Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
        assertThat(cause).isInstanceOf(TransactionException.class).isNotInstanceOf(OutcomeUnknownException.class)
                .hasMessageContaining("nothing was written");
        assertThat(begun).as("begins sent: the warm-up and three for the caller, no fourth").hasSize(4);
        for (String txnId : begun.subList(1, 4)) {
            assertThat(victim.status(txnId).kind()).as(txnId).isEqualTo(TransactionStatus.Kind.NOT_BEGUN);
            assertThat(a.txnIds()).doesNotContain(txnId);
        }
        assertThat(TxnTesting.transactions(inspector)).isEmpty();
    }

    private static StepListener beginnings(List<String> begun) {
        return (step, txnId) -> {
            if (step == Step.BEGINNING) {
                begun.add(txnId);
            }
        };
    }

    /**
     * Commits one transfer (the participants' liveness is cached then), then begins one with
     * {@code timeout} while the proxy holds every byte back, and lets the victim's session expire
     * on the server before its connection comes back.
     */
    private CompletableFuture<Outcome> beginUnheard(TransactionCoordinator victim, Duration timeout)
            throws Exception {
        transfer(victim);
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        long sessionBefore = victimCurator.getZookeeperClient().getZooKeeper().getSessionId();

        proxy.blackhole();
        CompletableFuture<Outcome> told = victim.begin().branch("a", new byte[1]).branch("b", new byte[1])
                .timeout(timeout).commitAsync();
        // Held back by the partition, the request dies with the session: cut the held bytes.
        Timing.await("the session expired on the server").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .until(() -> !sessionAlive(sessionBefore));
        proxy.cut();
        proxy.restore();
        return told;
    }

    /**
     * Part B: the only coordinator decides, lists the acknowledgements (none yet) with a watch,
     * and is cut off; its session expires, the participants acknowledge meanwhile, and it
     * reconnects and takes its driver lease again. It must list the acks anew and collect.
     */
    @Test
    void aDriverThatReTakesItsLeaseAfterSessionExpiryCollects() throws Exception {
        CountDownLatch acksListed = new CountDownLatch(1);
        AtomicReference<String> awaiting = new AtomicReference<>();
        StepListener steps = (step, txnId) -> {
            if (step == Step.AWAITING_ACKS && awaiting.compareAndSet(null, txnId)) {
                acksListed.countDown();
            }
        };
        TransactionCoordinator only = zk.closeAfter(TransactionCoordinator.builder(victimCurator).steps(steps).start());
        CountDownLatch applied = new CountDownLatch(1);
        a.commitGate = applied;
        b.commitGate = applied;

        Outcome outcome = transfer(only);
        assertThat(acksListed.await(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isTrue();
        String txnId = outcome.txnId();
        proxy.cut();
        Timing.await("the driver's lease node went with its session").atMost(Timing.scaled(Duration.ofSeconds(20)))
                .until(() -> inspector.getChildren().forPath(TxnTesting.TXNS + "/" + txnId).stream()
                        .noneMatch(CallerQueues::isQueueNode));
        applied.countDown();
        Timing.await("both participants acknowledged").until(() -> inspector.getChildren()
                .forPath(TxnTesting.TXNS + "/" + txnId).stream().filter(child -> child.startsWith("ack-")).count() == 2);
        proxy.restore();

        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(20));
        assertThat(only.status(txnId).kind()).isEqualTo(TransactionStatus.Kind.FINISHED);
        assertThat(historyEntriesOf(txnId)).hasSize(1);
    }

    /**
     * A session that expires while the coordinator starts: the start goes on with the client's
     * new session, as Curator's recipes do, and does not fail with "session expired".
     */
    @Test
    void aCoordinatorWhoseSessionExpiresWhileItStartsStartsOnTheNewSession() throws Exception {
        // Its first requests are Curator's own, synchronous, retried as its policy says: a sleep
        // long enough for the expiry to be let through before the retry.
        CuratorFramework curator = zk.closeAfter(CuratorFrameworkFactory.builder().connectString(zk.connectString())
                .sessionTimeoutMs((int) TxnTesting.sessionTimeout().toMillis())
                .retryPolicy(new RetryNTimes(3, (int) Timing.scaledMillis(1000))).build());
        curator.start();
        assertThat(curator.blockUntilConnected((int) Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isTrue();
        TransactionCoordinator coordinator = zk.closeAfter(TxnTesting.startWhileTheSessionExpires(curator,
                () -> TransactionCoordinator.start(curator)));

        Outcome outcome = transfer(coordinator);
        assertThat(outcome.state()).isEqualTo(TransactionState.COMMITTED);
        Timing.await("both participants committed").until(() ->
                a.committed(outcome.txnId()) && b.committed(outcome.txnId()));
    }

    /** The same for a participant host: it registers and takes work on the new session. */
    @Test
    void aParticipantHostWhoseSessionExpiresWhileItStartsStartsOnTheNewSession() throws Exception {
        MemoryParticipant c = new MemoryParticipant();
        MemoryParticipant d = new MemoryParticipant();
        CuratorFramework curator = TxnTesting.client(zk);
        zk.closeAfter(TxnTesting.startWhileTheSessionExpires(curator, () -> ParticipantHost.builder(curator)
                .participant("c", c).participant("d", d).start()));
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.start(inspector));

        Outcome outcome = coordinator.begin().branch("c", new byte[1]).branch("d", new byte[1])
                .timeout(Duration.ofSeconds(20)).commit();
        assertThat(outcome.state()).isEqualTo(TransactionState.COMMITTED);
        Timing.await("both participants committed").until(() ->
                c.committed(outcome.txnId()) && d.committed(outcome.txnId()));
        assertThat(c.violations).isEmpty();
        assertThat(d.violations).isEmpty();
    }

    private boolean sessionAlive(long sessionId) {
        return TxnTesting.sessions(zk.port()).contains(sessionId);
    }

    private List<String> historyEntriesOf(String txnId) throws Exception {
        List<String> entries = new ArrayList<>();
        for (String name : inspector.getChildren().forPath("/baton/txn-history")) {
            if (name.endsWith("-" + txnId)) {
                entries.add(name);
            }
        }
        return entries;
    }
}
