package dev.baton.txn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The log reader the resend tests count creates with. ZooKeeper logs a {@code multi} that failed
 * too, with the operations before the failing one still as creates: only an error among its parts
 * says that none took effect. CI once counted a begin twice for that reason: its write group was
 * refused (a resent delete found its node gone), and the begin was sent again on its own.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TxnLogReaderTest {

    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();

    @Test
    void aCreateInAMultiThatFailedIsNotCounted() throws Exception {
        CuratorFramework curator = TxnTesting.client(zk);
        ZooKeeper handle = curator.getZookeeperClient().getZooKeeper();
        long before = TxnTesting.zxid(zk.port());
        List<Op> refused = List.of(Op.create("/x", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT),
                Op.delete("/absent", -1));
        assertThatThrownBy(() -> handle.multi(refused)).isInstanceOf(KeeperException.NoNodeException.class);
        handle.multi(List.of(Op.create("/x", new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT)));

        List<String> writes = TxnLogReader.writesAfter(zk.server().getTempDirectory(), before);
        assertThat(writes).as("the refused multi is in the log").anySatisfy(write -> assertThat(write).contains("failed multi of 2"));
        assertThat(TxnLogReader.createsAfter(zk.server().getTempDirectory(), before)).containsExactly("/x");
    }
}
