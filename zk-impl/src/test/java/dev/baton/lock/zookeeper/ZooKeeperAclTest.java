package dev.baton.lock.zookeeper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** With {@code baton.zookeeper.auth}, only clients holding the same digest credentials can touch lock nodes. */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperAclTest {

    /** A server per test: the ACLs a test leaves on the root must not meet the next test. */
    @RegisterExtension
    final ZooKeeperServerExtension zk = ZooKeeperServerExtension.create();

    private CuratorFramework anonymous;

    @BeforeEach
    void setUp() {
        anonymous = zk.curator();
    }

    private LockClient client(String auth) {
        return zk.lockClient(java.util.Map.of("baton.zookeeper.auth", auth));
    }

    @Test
    void clientWithoutTheCredentialsCannotDeleteAHeldLocksNode() throws Exception {
        Lease lease = client("baton:s3cret").lock("guarded").acquire();
        String queue = "/baton/locks/guarded";
        String node = queue + "/" + anonymous.getChildren().forPath(queue).get(0);

        assertThatThrownBy(() -> anonymous.delete().forPath(node)).isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> anonymous.setData().forPath(node, new byte[] {1}))
                .isInstanceOf(KeeperException.NoAuthException.class);
        assertThatThrownBy(() -> anonymous.create().forPath(queue + "/lease-intruder-0000000000"))
                .isInstanceOf(KeeperException.NoAuthException.class);
        assertThat(lease.isValid()).isTrue();
        assertThat(anonymous.getData().forPath(node)).isNotEmpty();
        lease.release();
    }

    /**
     * Nodes Baton did not create keep their own ACLs: a root made earlier by an unauthenticated
     * client stays open to everyone, while the lock nodes Baton creates under it are guarded.
     */
    @Test
    void aRootMadeEarlierByAnotherClientKeepsItsOwnAcl() throws Exception {
        anonymous.create().forPath("/baton");
        Lease lease = client("baton:s3cret").lock("under-an-open-root").acquire();
        assertThat(anonymous.getACL().forPath("/baton")).as("the root's ACL")
                .isEqualTo(org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE);
        anonymous.create().forPath("/baton/anyone-may-write-here");
        String queue = "/baton/locks/under-an-open-root";
        assertThat(anonymous.getACL().forPath(queue)).as("the lock's queue, created by Baton")
                .isNotEqualTo(org.apache.zookeeper.ZooDefs.Ids.OPEN_ACL_UNSAFE);
        assertThatThrownBy(() -> anonymous.create().forPath(queue + "/lease-intruder-0000000000"))
                .isInstanceOf(KeeperException.NoAuthException.class);
        lease.release();
    }

    @Test
    void clientsSharingTheCredentialsShareTheLocks() throws Exception {
        LockClient first = client("baton:s3cret");
        LockClient second = client("baton:s3cret");
        Lease lease = first.lock("shared").acquire();
        assertThat(second.lock("shared").tryAcquire(Duration.ZERO)).isEmpty();
        lease.release();
        Lease next = second.lock("shared").tryAcquire(Duration.ofSeconds(5)).orElseThrow();
        assertThat(next.fencingToken()).isGreaterThan(0);
        next.release();
    }

    @Test
    void wrongCredentialsGetAClearErrorAtOpen() throws Exception {
        client("baton:s3cret").lock("first").acquire().release();
        assertThatThrownBy(() -> client("baton:wrong"))
                .isInstanceOf(LockException.class)
                .hasMessageContaining("not authorized")
                .hasMessageContaining("baton.zookeeper.auth");
    }

    @Test
    void malformedCredentialsAreRejectedAtOpenWithoutEchoingThem() {
        assertThatThrownBy(() -> client("no-colon-here"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.zookeeper.auth")
                .hasMessageNotContaining("no-colon-here");
    }
}
