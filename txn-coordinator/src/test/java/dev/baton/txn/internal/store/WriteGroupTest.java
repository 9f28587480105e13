package dev.baton.txn.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import dev.baton.txn.EventThreadHold;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Group commit of the distributed path's writes ({@code ZkAsync} with groups), on a real server:
 * writes made while one is in flight go in one {@code multi} and each is told what it would have
 * been told alone; a group that one write makes fail is sent again write by write, in order. Reads
 * made with {@code dataGrouped} go together the same way, in a read-only {@code multi}.
 *
 * <p>The write in flight is held deterministically: its reply is delivered on ZooKeeper's event
 * thread, which a watcher of the test keeps busy until the others are made.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class WriteGroupTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();
    private CuratorFramework curator;
    private ZkAsync writes;

    @BeforeEach
    void start() throws Exception {
        curator = zk.closeAfter(ZooKeeperServerExtension.connectedCurator(zk.connectString(),
                ZooKeeperServerExtension.sessionTimeout()));
        writes = new ZkAsync(curator, ZooDefs.Ids.OPEN_ACL_UNSAFE, true);
        curator.create().forPath("/g");
        curator.create().forPath("/g/existing", new byte[] {1});
        curator.create().forPath("/g/doomed");
    }

    @Test
    void writesMadeWhileOneIsInFlightGoTogetherAndEachGetsItsOwnAnswer() throws Exception {
        CompletableFuture<ZkAsync.Created> first;
        CompletableFuture<ZkAsync.Created> created;
        CompletableFuture<Boolean> set;
        CompletableFuture<Boolean> deleted;
        CompletableFuture<ZkAsync.MultiReply> multi;
        try (EventThreadHold hold = holdEventThread()) {
            first = writes.create("/g/first", new byte[0], CreateMode.PERSISTENT);
            created = writes.create("/g/a", new byte[] {7}, CreateMode.PERSISTENT);
            set = writes.setData("/g/existing", new byte[] {2});
            deleted = writes.delete("/g/doomed");
            multi = writes.multiReply(List.of(Op.create("/g/b", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT), Op.create("/g/c", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT)));
            assertThat(List.of(first, created, set, deleted, multi)).noneMatch(CompletableFuture::isDone);
        }
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(ZkAsync.Created.CREATED);
        assertThat(created.get(10, TimeUnit.SECONDS)).isEqualTo(ZkAsync.Created.CREATED);
        assertThat(set.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(deleted.get(10, TimeUnit.SECONDS)).isTrue();
        ZkAsync.MultiReply reply = multi.get(10, TimeUnit.SECONDS);
        assertThat(reply.code()).isEqualTo(KeeperException.Code.OK);
        assertThat(reply.results()).hasSize(2);

        long group = stat("/g/a").getCzxid();
        assertThat(group).as("the first alone, the rest in one multi").isGreaterThan(stat("/g/first").getCzxid());
        assertThat(stat("/g/existing").getMzxid()).isEqualTo(group);
        assertThat(stat("/g/b").getCzxid()).isEqualTo(group);
        assertThat(stat("/g/c").getCzxid()).isEqualTo(group);
        assertThat(curator.checkExists().forPath("/g/doomed")).isNull();
        assertThat(curator.getData().forPath("/g/a")).containsExactly(7);
        assertThat(curator.getData().forPath("/g/existing")).containsExactly(2);
    }

    @Test
    void aGroupOneWriteMakesFailIsSentAgainWriteByWriteInOrder() throws Exception {
        CompletableFuture<ZkAsync.Created> first;
        CompletableFuture<ZkAsync.Created> before;
        CompletableFuture<ZkAsync.Created> exists;
        CompletableFuture<ZkAsync.Created> orphan;
        CompletableFuture<Boolean> absent;
        CompletableFuture<ZkAsync.MultiReply> refused;
        CompletableFuture<ZkAsync.Created> after;
        try (EventThreadHold hold = holdEventThread()) {
            first = writes.create("/g/first", new byte[0], CreateMode.PERSISTENT);
            before = writes.create("/g/before", new byte[0], CreateMode.PERSISTENT);
            exists = writes.create("/g/existing", new byte[0], CreateMode.PERSISTENT);
            orphan = writes.create("/g/none/child", new byte[0], CreateMode.PERSISTENT);
            absent = writes.delete("/g/never");
            refused = writes.multiReply(List.of(Op.create("/g/x", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT), Op.create("/g/existing", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE,
                    CreateMode.PERSISTENT)));
            after = writes.create("/g/after", new byte[0], CreateMode.PERSISTENT);
        }
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(ZkAsync.Created.CREATED);
        assertThat(before.get(10, TimeUnit.SECONDS)).isEqualTo(ZkAsync.Created.CREATED);
        assertThat(exists.get(10, TimeUnit.SECONDS)).isEqualTo(ZkAsync.Created.EXISTS);
        assertThat(orphan.get(10, TimeUnit.SECONDS)).isEqualTo(ZkAsync.Created.NO_PARENT);
        assertThat(absent.get(10, TimeUnit.SECONDS)).isFalse();
        ZkAsync.MultiReply reply = refused.get(10, TimeUnit.SECONDS);
        assertThat(reply.code()).isEqualTo(KeeperException.Code.NODEEXISTS);
        assertThat(reply.failedIndex()).isEqualTo(1);
        assertThat(curator.checkExists().forPath("/g/x")).as("a refused multi applies nothing").isNull();
        assertThat(after.get(10, TimeUnit.SECONDS)).isEqualTo(ZkAsync.Created.CREATED);
        assertThat(stat("/g/after").getCzxid()).as("sent one by one, in the order made")
                .isGreaterThan(stat("/g/before").getCzxid());
    }

    /**
     * Reads made while one is in flight go in one read-only multi, and each is told what a read
     * alone would have been: the data, or null for a node that does not exist.
     */
    @Test
    void readsMadeWhileOneIsInFlightGoTogetherAndEachGetsItsOwnAnswer() throws Exception {
        curator.setData().forPath("/g/doomed", new byte[] {5});
        long before = packetsReceived();
        CompletableFuture<ZkAsync.@org.jspecify.annotations.Nullable Node> first;
        CompletableFuture<ZkAsync.@org.jspecify.annotations.Nullable Node> second;
        CompletableFuture<ZkAsync.@org.jspecify.annotations.Nullable Node> missing;
        CompletableFuture<ZkAsync.@org.jspecify.annotations.Nullable Node> third;
        try (EventThreadHold hold = holdEventThread()) {
            first = writes.dataGrouped("/g/existing");
            second = writes.dataGrouped("/g/doomed");
            missing = writes.dataGrouped("/g/never");
            third = writes.dataGrouped("/g/existing");
            assertThat(List.of(first, second, missing, third)).noneMatch(CompletableFuture::isDone);
        }
        assertThat(first.get(10, TimeUnit.SECONDS).data()).containsExactly(1);
        ZkAsync.Node doomed = second.get(10, TimeUnit.SECONDS);
        assertThat(doomed.data()).containsExactly(5);
        assertThat(doomed.stat().getCzxid()).isEqualTo(stat("/g/doomed").getCzxid());
        assertThat(missing.get(10, TimeUnit.SECONDS)).isNull();
        assertThat(third.get(10, TimeUnit.SECONDS).data()).containsExactly(1);
        // The hold's exists and create, the first read alone, the three others in one request, the
        // stat read above, and one of the two mntr commands (alone, the reads would make it 8).
        assertThat(packetsReceived() - before).isEqualTo(2 + 2 + 1 + 1);
    }

    private long packetsReceived() {
        for (String line : ZooKeeperServerExtension.fourLetters(zk.port(), "mntr").split("\n")) {
            if (line.startsWith("zk_packets_received")) {
                return Long.parseLong(line.split("\\s+")[1].trim());
            }
        }
        throw new IllegalStateException("mntr gave no zk_packets_received");
    }

    private Stat stat(String path) throws Exception {
        Stat stat = curator.checkExists().forPath(path);
        assertThat(stat).as(path).isNotNull();
        return stat;
    }

    /** Holds this client's event thread, so that no reply is delivered until closed. */
    private EventThreadHold holdEventThread() throws Exception {
        return EventThreadHold.on(curator.getZookeeperClient().getZooKeeper());
    }
}
