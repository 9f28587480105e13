package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.internal.store.TxnCodec;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.participant.BranchId;
import dev.baton.txn.participant.HostHooks;
import dev.baton.txn.participant.Participant;
import dev.baton.txn.participant.ParticipantHost;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The coordinator against a real ZooKeeper server, with in-memory participants. */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TransactionCoordinatorTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;
    private CuratorFramework inspector;

    @BeforeEach
    void start() {
        curator = TxnTesting.client(zk);
        inspector = TxnTesting.client(zk);
    }

    private TransactionCoordinator coordinator() {
        return zk.closeAfter(TransactionCoordinator.start(curator));
    }

    private ParticipantHost host(Map<String, ? extends Participant> participants) {
        ParticipantHost.Builder builder = ParticipantHost.builder(curator).abortGrace(Duration.ofMillis(300));
        participants.forEach(builder::participant);
        return zk.closeAfter(builder.start());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A listener that throws from every method is logged and ignored: transactions go on as if it were not there. */
    @Test
    void aListenerThatThrowsChangesNothing() throws Exception {
        TxnListener throwing = new TxnListener() {
            @Override
            public void commitEnded(Path path, Outcome outcome, TransactionException failure, Duration latency) {
                throw new IllegalStateException("a broken listener");
            }

            @Override
            public void finished(Path path, Outcome outcome) {
                throw new IllegalStateException("a broken listener");
            }

            @Override
            public void prepared(String participant, Vote vote, Duration took) {
                throw new IllegalStateException("a broken listener");
            }

            @Override
            public void applied(String participant, TransactionState decision, Duration took) {
                throw new IllegalStateException("a broken listener");
            }
        };
        MemoryParticipant a = new MemoryParticipant();
        zk.closeAfter(ParticipantHost.builder(curator).listener(throwing).participant("a", a).start());
        TransactionCoordinator coordinator = zk.closeAfter(TransactionCoordinator.builder(curator).listener(throwing)
                .start());

        Outcome outcome = coordinator.begin().branch("a", bytes("x")).commit();

        assertThat(outcome.isCommitted()).isTrue();
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(a.committed(outcome.txnId())).isTrue();
        assertThat(coordinator.openTransactions()).isZero();
    }

    @Test
    void commitsWhenEveryParticipantVotesYesAndCollectsTheTransaction() throws Exception {
        MemoryParticipant a = new MemoryParticipant();
        MemoryParticipant b = new MemoryParticipant();
        host(Map.of("a", a, "b", b));
        List<String> payloads = new java.util.concurrent.CopyOnWriteArrayList<>();
        b.voter = branch -> {
            payloads.add(new String(branch.payload(), StandardCharsets.UTF_8));
            return Vote.yes();
        };

        Outcome outcome = coordinator().begin().branch("a", bytes("debit 5")).branch("b", bytes("credit 5")).commit();

        assertThat(outcome.state()).isEqualTo(TransactionState.COMMITTED);
        assertThat(outcome.isCommitted()).isTrue();
        assertThat(outcome.participants()).containsExactly("a", "b");
        assertThat(outcome.votes()).containsEntry("a", Vote.yes()).containsEntry("b", Vote.yes());
        assertThat(outcome.reason()).contains("all 2 participants voted YES");
        assertThat(payloads).containsExactly("credit 5");
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(a.committed(outcome.txnId())).isTrue();
        assertThat(b.committed(outcome.txnId())).isTrue();
        assertThat(a.violations).isEmpty();
    }

    @Test
    void aNoVoteAbortsEveryBranchAndTheOutcomeSaysWhy() throws Exception {
        MemoryParticipant a = new MemoryParticipant();
        MemoryParticipant b = new MemoryParticipant();
        b.voter = branch -> Vote.no("insufficient funds");
        host(Map.of("a", a, "b", b));

        Outcome outcome = coordinator().begin().branch("a", bytes("x")).branch("b", bytes("y")).commit();

        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).isEqualTo("participant 'b' voted NO: insufficient funds");
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(a.committed(outcome.txnId()) || b.committed(outcome.txnId())).isFalse();
        assertThat(a.settled(outcome.txnId())).isTrue();
        assertThat(a.violations).isEmpty();
    }

    @Test
    void aParticipantThatDoesNotVoteInTimeAbortsTheTransactionAtTheDeadline() throws Exception {
        MemoryParticipant a = new MemoryParticipant();
        MemoryParticipant slow = new MemoryParticipant();
        slow.gate = new CountDownLatch(1);
        host(Map.of("a", a, "slow", slow));
        TransactionCoordinator coordinator = coordinator();

        // A deadline that the host's first prepares meet on a loaded machine: at 600 ms, with other
        // builds and a soak running, the host (still starting) sometimes reached them after it and
        // rightly voted NO without preparing.
        CompletableFuture<Outcome> future = coordinator.begin().branch("a", bytes("x")).branch("slow", bytes("y"))
                .timeout(Timing.scaled(Duration.ofSeconds(3))).commitAsync();
        Timing.await("the slow participant is preparing").until(() -> slow.prepares.get() == 1);
        String txnId = TxnTesting.transactions(inspector).get(0);
        assertThat(coordinator.state(txnId)).contains(TransactionState.PREPARING);
        Outcome outcome = future.get(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS);

        assertThat(outcome.state()).isEqualTo(TransactionState.ABORTED);
        assertThat(outcome.reason()).contains("deadline").contains("[slow]");
        assertThat(outcome.votes()).containsOnlyKeys("a");
        assertThat(outcome.vote("slow")).isEmpty();
        slow.gate.countDown();
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(slow.settled(txnId)).isTrue();
        assertThat(a.state(txnId)).isEqualTo(MemoryParticipant.State.ABORTED);
        assertThat(coordinator.state(txnId)).as("read from the history").contains(TransactionState.ABORTED);
        Outcome kept = coordinator.outcome(txnId).orElseThrow();
        assertThat(kept.votes()).as("the late YES was cast after the decision").containsOnlyKeys("a");
        assertThat(kept.reason()).isEqualTo(outcome.reason());
        assertThat(kept.finishedAt()).isPresent();
    }

    @Test
    void manyTransactionsRunConcurrentlyWithCommitAsync() throws Exception {
        runConcurrently(host -> host);
    }

    /** A host on a server before ZooKeeper 3.6 lists its inbox on every change instead. */
    @Test
    void manyTransactionsRunConcurrentlyWithHostsThatListTheirInbox() throws Exception {
        runConcurrently(HostHooks::withoutPersistentWatches);
    }

    private void runConcurrently(java.util.function.UnaryOperator<ParticipantHost.Builder> hostMode) throws Exception {
        MemoryParticipant a = new MemoryParticipant();
        MemoryParticipant b = new MemoryParticipant();
        b.voter = branch -> branch.payload()[0] % 3 == 0 ? Vote.no("multiple of three") : Vote.yes();
        zk.closeAfter(hostMode.apply(ParticipantHost.builder(curator).abortGrace(Duration.ofMillis(300))
                .participant("a", a).participant("b", b)).start());
        TransactionCoordinator coordinator = coordinator();

        List<CompletableFuture<Outcome>> futures = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            futures.add(coordinator.begin().branch("a", new byte[] {(byte) i}).branch("b", new byte[] {(byte) i})
                    .commitAsync());
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get(Timing.scaledMillis(30_000),
                TimeUnit.MILLISECONDS);
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(20));
        int committed = 0;
        for (int i = 0; i < futures.size(); i++) {
            Outcome outcome = futures.get(i).join();
            assertThat(outcome.isCommitted()).as("transaction %d", i).isEqualTo(i % 3 != 0);
            assertThat(a.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
            assertThat(b.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
            committed += outcome.isCommitted() ? 1 : 0;
        }
        assertThat(committed).isEqualTo(20);
        assertThat(a.violations).isEmpty();
        assertThat(b.violations).isEmpty();
    }

    @Test
    void twoInstancesOfOneParticipantNeverApplyABranchTwice() throws Exception {
        MemoryParticipant shared = new MemoryParticipant();
        MemoryParticipant b = new MemoryParticipant();
        CuratorFramework second = TxnTesting.client(zk);
        zk.closeAfter(ParticipantHost.builder(curator).participant("a", shared).participant("b", b).start());
        zk.closeAfter(ParticipantHost.builder(second).participant("a", shared).start());
        TransactionCoordinator coordinator = coordinator();

        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            outcomes.add(coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1]).commit());
        }
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(20));

        // An instance that lost the vote rolls its attempt back on its own, possibly after the
        // collect: wait for it.
        Timing.await("every attempt of the shared participant settled")
                .until(() -> outcomes.stream().allMatch(outcome -> shared.settled(outcome.txnId())));
        for (Outcome outcome : outcomes) {
            assertThat(shared.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
            assertThat(b.committed(outcome.txnId())).isEqualTo(outcome.isCommitted());
        }
        System.out.println("TWO-INSTANCES prepares=" + shared.prepares.get() + " for " + outcomes.size() + " branches");
        assertThat(shared.violations).isEmpty();
    }

    /** A participant instance over a shared resource, counting the prepares it ran. */
    private static final class Counted implements Participant {
        final MemoryParticipant resource;
        final java.util.concurrent.atomic.AtomicInteger prepares = new java.util.concurrent.atomic.AtomicInteger();

        Counted(MemoryParticipant resource) {
            this.resource = resource;
        }

        @Override
        public Vote prepare(Branch branch) throws Exception {
            prepares.incrementAndGet();
            return resource.prepare(branch);
        }

        @Override
        public void commit(Branch branch) throws Exception {
            resource.commit(branch);
        }

        @Override
        public void abort(Branch branch) {
            resource.abort(branch);
        }

        @Override
        public java.util.Set<BranchId> inDoubt(String participant) {
            return resource.inDoubt(participant);
        }
    }

    /**
     * Three instances of one participant share its branches: each branch is prepared by one of
     * them only (they agree on the owner from the live set, with no write), all three get work,
     * and when one stops the others take its branches.
     */
    @Test
    void instancesOfOneParticipantPrepareEachBranchOnceBetweenThem() throws Exception {
        MemoryParticipant shared = new MemoryParticipant();
        MemoryParticipant b = new MemoryParticipant();
        List<Counted> instances = new ArrayList<>();
        List<ParticipantHost> hosts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Counted instance = new Counted(shared);
            instances.add(instance);
            hosts.add(zk.closeAfter(ParticipantHost.builder(TxnTesting.client(zk))
                    .participant("a", instance).start()));
        }
        zk.closeAfter(ParticipantHost.builder(curator).participant("b", b).start());
        TransactionCoordinator coordinator = coordinator();
        Timing.await("every instance sees the others").until(() -> hosts.stream()
                .allMatch(h -> h.participants().contains("a")) && inspector.getChildren().forPath("/baton/participants/a/live")
                .size() == 3);

        for (int i = 0; i < 30; i++) {
            assertThat(coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1]).commit().isCommitted())
                    .isTrue();
        }
        assertThat(shared.prepares.get()).as("one prepare per branch").isEqualTo(30);
        assertThat(instances).as("every instance had a share").allSatisfy(c -> assertThat(c.prepares.get()).isPositive());

        hosts.get(0).close();
        Timing.await("the others saw it go").until(() -> inspector.getChildren()
                .forPath("/baton/participants/a/live").size() == 2);
        int before = instances.get(0).prepares.get();
        for (int i = 0; i < 10; i++) {
            assertThat(coordinator.begin().branch("a", new byte[1]).branch("b", new byte[1]).commit().isCommitted())
                    .isTrue();
        }
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(20));
        assertThat(instances.get(0).prepares.get()).as("the stopped instance got nothing more").isEqualTo(before);
        assertThat(shared.prepares.get()).isEqualTo(40);
        assertThat(shared.violations).isEmpty();
    }

    @Test
    void badInputIsRejectedBeforeAnythingIsWritten() throws Exception {
        host(Map.of("a", new MemoryParticipant()));
        ParticipantHost gone = host(Map.of("offline", new MemoryParticipant()));
        gone.close();
        TransactionCoordinator coordinator = coordinator();
        long before = TxnTesting.zxid(zk.port());

        assertThatThrownBy(() -> coordinator.begin().branch("a", new byte[1]).branch("nobody", new byte[1]).commit())
                .isInstanceOfSatisfying(ParticipantUnavailableException.class, e -> assertThat(e.reason())
                        .isEqualTo(ParticipantUnavailableException.Reason.NEVER_REGISTERED))
                .hasMessageContaining("unknown participant 'nobody'");
        assertThatThrownBy(() -> coordinator.begin().branch("a", new byte[1]).branch("offline", new byte[1]).commit())
                .isInstanceOfSatisfying(ParticipantUnavailableException.class, e -> assertThat(e.reason())
                        .isEqualTo(ParticipantUnavailableException.Reason.NO_LIVE_INSTANCE))
                .hasMessageContaining("'offline' has no live instance");
        assertThatThrownBy(() -> coordinator.begin().branch("a", new byte[1]).branch("a", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already has a branch");
        assertThatThrownBy(() -> coordinator.begin().branch("a", new byte[TransactionBuilder.MAX_PAYLOAD_BYTES + 1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the limit is");
        assertThatThrownBy(() -> coordinator.begin().branch("a", new byte[TransactionBuilder.MAX_PAYLOAD_BYTES])
                .branch("b", new byte[TransactionBuilder.MAX_PAYLOAD_BYTES])
                .branch("c", new byte[TransactionBuilder.MAX_PAYLOAD_BYTES]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payloads together");
        assertThatThrownBy(() -> coordinator.begin().commit())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("at least one branch");
        assertThatThrownBy(() -> coordinator.begin().branch("a/b", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("participant name 'a/b'");
        String longest = "p".repeat(48);
        assertThat(coordinator.begin().branch(longest, new byte[1]).branch("x.y-z_1", new byte[1])).isNotNull();
        assertThatThrownBy(() -> coordinator.begin().branch(longest + "p", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("participant name '" + longest + "p'");
        assertThatThrownBy(() -> coordinator.begin().branch(".hidden", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("participant name '.hidden'");
        assertThatThrownBy(() -> coordinator.begin().branch("", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("participant name ''");
        TransactionBuilder full = coordinator.begin();
        for (int i = 0; i < TransactionBuilder.MAX_BRANCHES; i++) {
            full.branch("p" + i, new byte[1]);
        }
        assertThatThrownBy(() -> full.branch("one-more", new byte[1]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 64 branches");
        assertThatThrownBy(() -> coordinator.begin().timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
        assertThatThrownBy(() -> coordinator.begin().timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");

        assertThat(TxnTesting.zxid(zk.port())).isEqualTo(before);
        assertThat(TxnTesting.transactions(inspector)).isEmpty();
    }

    /** A Curator namespace would move every node away from where other instances look: refused, naming it. */
    @Test
    void aCuratorClientWithANamespaceIsRefused() {
        CuratorFramework namespaced = curator.usingNamespace("app");
        long before = TxnTesting.zxid(zk.port());
        assertThatThrownBy(() -> TransactionCoordinator.start(namespaced))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace 'app'");
        assertThatThrownBy(() -> ParticipantHost.builder(namespaced).participant("a", new MemoryParticipant()).start())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace 'app'");
        assertThat(TxnTesting.zxid(zk.port())).as("nothing written").isEqualTo(before);
    }

    @Test
    void corruptAndForeignNodesAreReportedWithTheirIdAndDoNotStopTheCoordinator() throws Exception {
        inspector.create().creatingParentsIfNeeded().forPath(TxnTesting.TXNS + "/not-a-txn", bytes("hello"));
        String damaged = "tx-000000000001-0000000000000001";
        inspector.create().forPath(TxnTesting.TXNS + "/" + damaged, bytes("garbage"));
        String badDecision = "tx-000000000002-0000000000000002";
        inspector.create().forPath(TxnTesting.TXNS + "/" + badDecision,
                TxnCodec.record(new TxnRecord(badDecision, 0, List.of("a"), "test")));
        inspector.create().forPath(TxnTesting.TXNS + "/" + badDecision + "/decision", bytes("MAYBE"));
        // A transaction of the layout with container nodes (record format txn/1), as a build
        // before txn/2 left it: refused as another build's, not driven with this layout's paths.
        String oldLayout = "tx-000000000004-0000000000000004";
        inspector.create().forPath(TxnTesting.TXNS + "/" + oldLayout, bytes("{\"baton\":\"txn/1\",\"deadline\":0,"
                + "\"participants\":[\"a\"],\"createdBy\":\"test\"}"));
        for (String container : List.of("vote", "ack", "driver")) {
            inspector.create().forPath(TxnTesting.TXNS + "/" + oldLayout + "/" + container);
        }
        inspector.create().creatingParentsIfNeeded().forPath("/baton/participants/a/inbox/junk");
        String orphanEntry = "tx-000000000003-0000000000000003";
        inspector.create().forPath("/baton/participants/a/inbox/" + orphanEntry);
        MemoryParticipant a = new MemoryParticipant();
        ParticipantHost host = host(Map.of("a", a));
        TransactionCoordinator coordinator = coordinator();

        Timing.await("the host reports the foreign entry and drops the one without a transaction")
                .until(() -> host.problems().containsKey("/baton/participants/a/inbox/junk")
                        && inspector.checkExists().forPath("/baton/participants/a/inbox/" + orphanEntry) == null);
        Timing.await("problems reported").until(() -> coordinator.problems().size() == 4);
        Map<String, String> problems = coordinator.problems();
        assertThat(problems.get("not-a-txn")).contains("foreign");
        assertThat(problems.get(damaged)).contains(damaged).contains("not a Baton txn record");
        assertThat(problems.get(badDecision)).contains(badDecision).contains("not a Baton decision").contains("MAYBE");
        assertThat(problems.get(oldLayout)).contains(oldLayout).contains("another Baton build (format txn/1)");
        assertThatThrownBy(() -> coordinator.state(badDecision)).isInstanceOf(TransactionException.class)
                .hasMessageContaining(badDecision);

        for (int i = 0; i < 3; i++) {
            assertThat(coordinator.begin().branch("a", new byte[1]).commit().isCommitted()).isTrue();
        }
        assertThat(coordinator.problems()).isEqualTo(problems);
        Timing.await("only the damaged transactions are left").until(() -> coordinator.core().knownTransactions() == 0);
        assertThat(TxnTesting.transactions(inspector)).containsExactlyInAnyOrder("not-a-txn", damaged, badDecision,
                oldLayout);
        assertThat(host.problems()).containsOnlyKeys("/baton/participants/a/inbox/junk");
    }

    /**
     * A node someone else put under an open transaction's record blocks its collect (the record
     * cannot be deleted with a child the protocol did not create): the transaction still commits
     * and its caller is told so, the collect is reported once with the transaction's id, the
     * record is left in place, and the coordinator goes on committing others.
     */
    @Test
    void aForeignChildThatBlocksTheCollectIsReportedOnceAndLeftAlone() throws Exception {
        CountDownLatch voting = new CountDownLatch(1);
        CountDownLatch vote = new CountDownLatch(1);
        MemoryParticipant a = new MemoryParticipant();
        a.voter = branch -> {
            voting.countDown();
            try {
                vote.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Vote.yes();
        };
        host(Map.of("a", a));
        TransactionCoordinator coordinator = coordinator();
        CompletableFuture<Outcome> told = coordinator.begin().branch("a", new byte[1]).commitAsync();
        String txnId;
        try {
            assertThat(voting.await(Timing.scaledMillis(10_000), TimeUnit.MILLISECONDS)).isTrue();
            txnId = TxnTesting.transactions(inspector).get(0);
            inspector.create().forPath(TxnTesting.TXNS + "/" + txnId + "/junk", bytes("someone else's"));
        } finally {
            vote.countDown();
        }
        assertThat(told.get(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS).isCommitted()).isTrue();
        assertThat(a.committed(txnId)).isTrue();
        Timing.await("the blocked collect is reported").until(() -> coordinator.problems().containsKey(txnId));
        assertThat(coordinator.problems().get(txnId)).contains(txnId).contains("did not create");

        a.voter = branch -> Vote.yes();
        for (int i = 0; i < 3; i++) {
            assertThat(coordinator.begin().branch("a", new byte[1]).commit().isCommitted()).isTrue();
        }
        Timing.await("the others are collected, the blocked one left in place")
                .until(() -> TxnTesting.transactions(inspector).equals(List.of(txnId)));
        assertThat(coordinator.problems()).containsOnlyKeys(txnId);
        assertThat(inspector.checkExists().forPath(TxnTesting.TXNS + "/" + txnId + "/junk")).isNotNull();
    }

    @Test
    void opensFromBatonConfigurationAndRejectsUnknownKeys() throws Exception {
        host(Map.of("a", new MemoryParticipant()));
        Map<String, String> config = new HashMap<>();
        config.put("baton.zookeeper.connect", zk.connectString());
        config.put("baton.zookeeper.session-timeout", TxnTesting.sessionTimeout().toMillis() + "ms");
        config.put("baton.txn.timeout", "5s");
        try (TransactionCoordinator coordinator = TransactionCoordinator.open(config)) {
            assertThat(coordinator.begin().branch("a", new byte[1]).commit().isCommitted()).isTrue();
        }
        config.put("baton.txn.timout", "5s");
        assertThatThrownBy(() -> TransactionCoordinator.open(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.txn.timout").hasMessageContaining("did you mean 'baton.txn.timeout'");
        config.remove("baton.txn.timout");
        config.put("baton.txn.timeout", "soon");
        assertThatThrownBy(() -> TransactionCoordinator.open(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.txn.timeout");
    }

    /** Nothing listens on the address: a TransactionException naming it, from the coordinator and the host alike. */
    @Test
    void anUnreachableEnsembleIsATransactionExceptionNamingIt() {
        Map<String, String> config = Map.of("baton.zookeeper.connect", "127.0.0.1:1",
                "baton.zookeeper.connection-timeout", Timing.scaledMillis(300) + "ms");
        assertThatThrownBy(() -> TransactionCoordinator.open(config)).isInstanceOf(TransactionException.class)
                .hasMessageContaining("127.0.0.1:1");
        assertThatThrownBy(() -> ParticipantHost.builder(config).participant("a", new MemoryParticipant()).start())
                .isInstanceOf(TransactionException.class).hasMessageContaining("127.0.0.1:1");
    }

    @Test
    void aParticipantHostOpensFromBatonConfigurationAndClosesItsConnection() throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("baton.zookeeper.connect", zk.connectString());
        config.put("baton.zookeeper.session-timeout", TxnTesting.sessionTimeout().toMillis() + "ms");
        config.put("baton.txn.abort-grace", "2s");
        config.put("baton.txn.participant-threads", "2");
        MemoryParticipant a = new MemoryParticipant();
        TransactionCoordinator coordinator = coordinator();
        java.util.Properties properties = new java.util.Properties();
        properties.putAll(config);
        try (ParticipantHost host = ParticipantHost.builder(properties).participant("a", a).start()) {
            assertThat(host.participants()).containsExactly("a");
            assertThat(HostHooks.abortGrace(host)).isEqualTo(Duration.ofSeconds(2));
            assertThat(coordinator.begin().branch("a", new byte[1]).commit().isCommitted()).isTrue();
        }
        assertThatThrownBy(() -> coordinator.begin().branch("a", new byte[1]).commit())
                .as("closing the host closed its session, so its live node is gone")
                .isInstanceOf(ParticipantUnavailableException.class).hasMessageContaining("no live instance");

        config.put("baton.txn.abort-grase", "2s");
        assertThatThrownBy(() -> ParticipantHost.builder(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("did you mean 'baton.txn.abort-grace'");
        config.remove("baton.txn.abort-grase");
        config.put("baton.txn.participant-threads", "0");
        assertThatThrownBy(() -> ParticipantHost.builder(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.txn.participant-threads");
        config.remove("baton.zookeeper.connect");
        config.remove("baton.txn.participant-threads");
        assertThatThrownBy(() -> ParticipantHost.builder(config)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.zookeeper.connect");
    }

    @Test
    void closingTheCoordinatorFailsWaitingCallersAndAnotherInstanceFinishes() throws Exception {
        MemoryParticipant a = new MemoryParticipant();
        a.gate = new CountDownLatch(1);
        host(Map.of("a", a));
        TransactionCoordinator first = TransactionCoordinator.start(curator);
        TransactionCoordinator second = coordinator();
        CompletableFuture<Outcome> waiting = first.begin().branch("a", new byte[1]).commitAsync();
        Timing.await().until(() -> a.prepares.get() == 1);
        first.close();

        assertThatThrownBy(() -> waiting.get(Timing.scaledMillis(5000), TimeUnit.MILLISECONDS))
                .hasCauseInstanceOf(TransactionException.class).hasMessageContaining("closed");
        assertThatThrownBy(first::begin).isInstanceOf(IllegalStateException.class);
        a.gate.countDown();
        TxnTesting.awaitAllCollected(inspector, Duration.ofSeconds(10));
        assertThat(a.attempts.values()).containsExactly(MemoryParticipant.State.COMMITTED);
        assertThat(second.problems()).isEmpty();
    }
}
