package dev.baton.lock.zookeeper;

import java.util.List;
import java.util.Objects;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * How a {@link ZooKeeperLockClient} lays out and protects its nodes.
 *
 * @param rootPath the node under which everything Baton writes lives ({@code /baton}); lock queues
 *     are under {@code <rootPath>/locks}
 * @param lossPolicy when a lease counts as lost
 * @param acl the ACL of every node Baton creates
 */
public record ZooKeeperLockOptions(String rootPath, LossPolicy lossPolicy, List<ACL> acl) {

    /** The default root, {@code /baton}. */
    public static final String DEFAULT_ROOT = "/baton";

    /**
     * Checks the options.
     *
     * @throws NullPointerException if any is null
     * @throws IllegalArgumentException if {@code rootPath} is not an absolute path of plain
     *     segments, or {@code acl} is empty
     */
    public ZooKeeperLockOptions {
        Objects.requireNonNull(rootPath, "rootPath");
        Objects.requireNonNull(lossPolicy, "lossPolicy");
        acl = List.copyOf(Objects.requireNonNull(acl, "acl"));
        if (!rootPath.matches("(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)+") || rootPath.equals("/zookeeper")
                || rootPath.startsWith("/zookeeper/")) {
            throw new IllegalArgumentException("root path must be an absolute ZooKeeper path of plain segments"
                    + " ([A-Za-z0-9_.-], not starting with '.') outside /zookeeper: '" + rootPath + "'");
        }
        if (acl.isEmpty()) {
            throw new IllegalArgumentException("acl must not be empty");
        }
    }

    /** Root {@code /baton}, loss on suspension, open ACL: for an unsecured ensemble. */
    public static ZooKeeperLockOptions defaults() {
        return new ZooKeeperLockOptions(DEFAULT_ROOT, LossPolicy.SUSPENDED, ZooDefs.Ids.OPEN_ACL_UNSAFE);
    }

    /** The same options with another loss policy. */
    public ZooKeeperLockOptions withLossPolicy(LossPolicy policy) {
        return new ZooKeeperLockOptions(rootPath, policy, acl);
    }

    /** The same options with another root path. */
    public ZooKeeperLockOptions withRootPath(String path) {
        return new ZooKeeperLockOptions(path, lossPolicy, acl);
    }

    /** The same options with another ACL. */
    public ZooKeeperLockOptions withAcl(List<ACL> nodeAcl) {
        return new ZooKeeperLockOptions(rootPath, lossPolicy, nodeAcl);
    }

    /** Where lock queues live: {@code <rootPath>/locks}. */
    public String locksPath() {
        return rootPath + "/locks";
    }

    /** Where election queues live: {@code <rootPath>/elections}. */
    public String electionsPath() {
        return rootPath + "/elections";
    }

    /** Where read-write lock queues live: {@code <rootPath>/rwlocks}. */
    public String readWriteLocksPath() {
        return rootPath + "/rwlocks";
    }

    /** Where semaphore queues live: {@code <rootPath>/semaphores}. */
    public String semaphoresPath() {
        return rootPath + "/semaphores";
    }
}
