package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.protocol.StepListener.Step;
import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.participant.ParticipantHost;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.KillSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A coordinator dies between two steps of the protocol (its ZooKeeper client closed abruptly, or
 * its session expired under it); another instance, already running, finishes the transaction and
 * every participant ends the same way.
 */
@Tag("slow")
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class CoordinatorCrashTest {

    private static final int ITERATIONS = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(8);
    private static final AtomicInteger CRASHES = new AtomicInteger();

    enum Crash { CLOSE_CLIENT, EXPIRE_SESSION }

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework hostCurator;
    private CuratorFramework survivorCurator;
    private ParticipantHost host;
    private TransactionCoordinator survivor;
    private final MemoryParticipant a = new MemoryParticipant();
    private final MemoryParticipant b = new MemoryParticipant();

    static Stream<Arguments> crashPoints() {
        return Stream.of(Step.BEGUN, Step.SOME_VOTES, Step.DECIDING, Step.DECIDED)
                .flatMap(step -> Stream.of(Crash.values()).map(crash -> Arguments.of(step, crash)));
    }

    @BeforeEach
    void start() {
        hostCurator = TxnTesting.client(zk);
        survivorCurator = TxnTesting.client(zk);
        host = zk.closeAfter(ParticipantHost.builder(hostCurator).participant("a", a).participant("b", b)
                .abortGrace(Duration.ofSeconds(5)).start());
        survivor = zk.closeAfter(TransactionCoordinator.start(survivorCurator));
    }

    @AfterAll
    static void report() {
        System.out.println("COORDINATOR-CRASH-ITERATIONS " + CRASHES.get());
    }

    @ParameterizedTest(name = "crash after {0} by {1}")
    @MethodSource("crashPoints")
    void anotherCoordinatorFinishesEveryTransactionAtomically(Step step, Crash crash) throws Exception {
        for (int i = 0; i < ITERATIONS; i++) {
            crashOnce(step, crash);
            CRASHES.incrementAndGet();
        }
        assertThat(a.violations).isEmpty();
        assertThat(b.violations).isEmpty();
        assertThat(survivor.problems()).isEmpty();
        assertThat(host.problems()).isEmpty();
    }

    private void crashOnce(Step step, Crash crash) throws Exception {
        CuratorFramework victimCurator = TxnTesting.client(zk.connectString());
        AtomicReference<String> crashed = new AtomicReference<>();
        // At most the transaction's deadline: the record's is counted from a later moment.
        long deadline = System.currentTimeMillis() + TIMEOUT.toMillis();
        AtomicBoolean beforeDeadline = new AtomicBoolean();
        StepListener listener = (reached, txnId) -> {
            if (reached == step && crashed.compareAndSet(null, txnId)) {
                beforeDeadline.set(System.currentTimeMillis() < deadline);
                kill(victimCurator, crash);
                throw new IllegalStateException("simulated crash after " + step);
            }
        };
        CountDownLatch slowB = new CountDownLatch(1);
        b.gate = step == Step.SOME_VOTES ? slowB : null;
        try (TransactionCoordinator victim = TransactionCoordinator.builder(victimCurator).steps(listener).start()) {
            CompletableFuture<Outcome> future = victim.begin().branch("a", new byte[1]).branch("b", new byte[1])
                    .timeout(TIMEOUT).commitAsync();
            Timing.await("the coordinator reached " + step).until(() -> crashed.get() != null);
            slowB.countDown();
            String txnId = crashed.get();
            // A step reached only at the deadline would test a crash at the deadline instead (as
            // SOME_VOTES did while it fired only where the driver reads votes).
            assertThat(beforeDeadline).as("%s reached before the deadline of %s", step, txnId).isTrue();
            TxnTesting.awaitAllCollected(survivorCurator, Duration.ofSeconds(30));

            assertThat(a.settled(txnId) && b.settled(txnId)).as("both participants finished %s", txnId).isTrue();
            assertThat(a.committed(txnId)).as("atomic outcome of %s", txnId).isEqualTo(b.committed(txnId));
            if (future.isDone() && !future.isCompletedExceptionally()) {
                assertThat(future.join().isCommitted()).isEqualTo(a.committed(txnId));
            }
        } finally {
            b.gate = null;
            victimCurator.close();
        }
    }

    private static void kill(CuratorFramework curator, Crash crash) {
        try {
            if (crash == Crash.CLOSE_CLIENT) {
                curator.close();
            } else {
                KillSession.kill(curator.getZookeeperClient().getZooKeeper());
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
