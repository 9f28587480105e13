package dev.baton.txn.xa;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.EventThreadHold;
import dev.baton.txn.internal.store.TxnNames;
import dev.baton.txn.internal.store.XaDecision;
import dev.baton.txn.internal.store.XaStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group commit of XA decisions, on a real server: decisions that arrive while one write is in
 * flight go together in the next {@code multi} (one zxid), a batch whose owner is gone is refused
 * whole, and a batch refused for one decision is sent again one by one.
 *
 * <p>The write in flight is held deterministically: its reply is delivered on ZooKeeper's event
 * thread, which a watcher of the test keeps busy until the others are queued.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class DecisionWriterTest {

    private static final String ROOT = "/baton";

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;
    private XaStore store;
    private DecisionWriter writer;

    @BeforeEach
    void start() throws Exception {
        curator = zk.closeAfter(ZooKeeperServerExtension.connectedCurator(zk.connectString(),
                ZooKeeperServerExtension.sessionTimeout()));
        store = new XaStore(curator, ZooDefs.Ids.OPEN_ACL_UNSAFE, ROOT);
        store.ensure().get(10, TimeUnit.SECONDS);
        writer = new DecisionWriter(store);
    }

    @Test
    void decisionsThatArriveWhileOneIsInFlightShareTheNextRequest() throws Exception {
        String owner = store.register().get(10, TimeUnit.SECONDS);
        List<XaDecision> decisions = decisions(owner, 6);
        List<CompletableFuture<XaStore.Decided>> replies = new ArrayList<>();
        try (EventThreadHold hold = holdEventThread()) {
            replies.add(writer.decide(decisions.get(0)));
            for (XaDecision decision : decisions.subList(1, decisions.size())) {
                replies.add(writer.decide(decision));
            }
            assertThat(replies).noneMatch(CompletableFuture::isDone);
        }
        for (CompletableFuture<XaStore.Decided> reply : replies) {
            assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo(XaStore.Decided.COMMITTED);
        }
        long first = createdAt(decisions.get(0));
        long rest = createdAt(decisions.get(1));
        assertThat(rest).as("the first alone, the five queued behind it in one multi").isGreaterThan(first);
        for (XaDecision decision : decisions.subList(1, decisions.size())) {
            assertThat(createdAt(decision)).isEqualTo(rest);
        }
    }

    @Test
    void aBatchWhoseOwnerIsGoneIsRefusedWholeAndWritesNothing() throws Exception {
        String owner = store.register().get(10, TimeUnit.SECONDS);
        String gone = store.register().get(10, TimeUnit.SECONDS);
        store.unregister(gone).get(10, TimeUnit.SECONDS);
        XaDecision holder = decisions(owner, 1).get(0);
        List<XaDecision> orphans = decisions(gone, 3);
        List<CompletableFuture<XaStore.Decided>> replies = new ArrayList<>();
        CompletableFuture<XaStore.Decided> first;
        try (EventThreadHold hold = holdEventThread()) {
            first = writer.decide(holder);
            orphans.forEach(decision -> replies.add(writer.decide(decision)));
        }
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(XaStore.Decided.COMMITTED);
        for (CompletableFuture<XaStore.Decided> reply : replies) {
            assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo(XaStore.Decided.OWNER_GONE);
        }
        for (XaDecision orphan : orphans) {
            assertThat(curator.checkExists().forPath(decisionPath(orphan))).isNull();
        }
    }

    @Test
    void aBatchRefusedForOneDecisionIsSentAgainOneByOne() throws Exception {
        String owner = store.register().get(10, TimeUnit.SECONDS);
        List<XaDecision> decisions = decisions(owner, 4);
        // decisions[2] was written by an earlier send whose reply was lost: it is its own, so COMMITTED
        store.decide(decisions.get(2)).get(10, TimeUnit.SECONDS);
        List<CompletableFuture<XaStore.Decided>> replies = new ArrayList<>();
        try (EventThreadHold hold = holdEventThread()) {
            decisions.forEach(decision -> replies.add(writer.decide(decision)));
        }
        for (CompletableFuture<XaStore.Decided> reply : replies) {
            assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo(XaStore.Decided.COMMITTED);
        }
        for (XaDecision decision : decisions) {
            assertThat(curator.checkExists().forPath(decisionPath(decision))).isNotNull();
        }
        assertThat(createdAt(decisions.get(1))).as("sent again on its own").isNotEqualTo(createdAt(decisions.get(3)));
    }

    @Test
    void decisionsOfTwoOwnersGoInSeparateBatches() throws Exception {
        String one = store.register().get(10, TimeUnit.SECONDS);
        String two = store.register().get(10, TimeUnit.SECONDS);
        List<XaDecision> ofOne = decisions(one, 3);
        List<XaDecision> ofTwo = decisions(two, 3);
        List<CompletableFuture<XaStore.Decided>> replies = new ArrayList<>();
        try (EventThreadHold hold = holdEventThread()) {
            replies.add(writer.decide(decisions(one, 1).get(0)));
            for (int i = 0; i < 3; i++) { // interleaved in the queue
                replies.add(writer.decide(ofOne.get(i)));
                replies.add(writer.decide(ofTwo.get(i)));
            }
        }
        for (CompletableFuture<XaStore.Decided> reply : replies) {
            assertThat(reply.get(10, TimeUnit.SECONDS)).isEqualTo(XaStore.Decided.COMMITTED);
        }
        assertThat(createdAt(ofOne.get(1))).isEqualTo(createdAt(ofOne.get(0)));
        assertThat(createdAt(ofOne.get(2))).isEqualTo(createdAt(ofOne.get(0)));
        assertThat(createdAt(ofTwo.get(1))).isEqualTo(createdAt(ofTwo.get(0)));
        assertThat(createdAt(ofTwo.get(2))).isEqualTo(createdAt(ofTwo.get(0)));
        assertThat(createdAt(ofTwo.get(0))).isNotEqualTo(createdAt(ofOne.get(0)));
    }

    private static List<XaDecision> decisions(String owner, int count) {
        List<XaDecision> decisions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            decisions.add(new XaDecision(TxnNames.newTxnId(System.currentTimeMillis()), owner, List.of("a", "b")));
        }
        return decisions;
    }

    private static String decisionPath(XaDecision decision) {
        return ROOT + "/xa/decisions/" + decision.txnId();
    }

    private long createdAt(XaDecision decision) throws Exception {
        Stat stat = curator.checkExists().forPath(decisionPath(decision));
        assertThat(stat).as(decision.txnId()).isNotNull();
        return stat.getCzxid();
    }

    /** Holds this client's event thread, so that no reply is delivered until closed. */
    private EventThreadHold holdEventThread() throws Exception {
        return EventThreadHold.on(curator.getZookeeperClient().getZooKeeper());
    }
}
