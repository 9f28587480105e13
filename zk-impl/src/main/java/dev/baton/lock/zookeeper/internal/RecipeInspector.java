package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.CoordinationInfo;
import dev.baton.lock.CoordinationInfo.Kind;
import dev.baton.lock.LockException;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * Reads the recipes' queues ({@code <root>/rwlocks}, {@code /semaphores}, {@code /elections}) for
 * operators: one listing per root, one per queue, one read of a holder's node. Blocking.
 */
final class RecipeInspector {

    private final CuratorFramework curator;
    private final ZooKeeperLockOptions options;

    RecipeInspector(CuratorFramework curator, ZooKeeperLockOptions options) {
        this.curator = curator;
        this.options = options;
    }

    List<CoordinationInfo> list(String namePrefix) {
        Objects.requireNonNull(namePrefix, "namePrefix");
        List<CoordinationInfo> found = new ArrayList<>();
        try {
            scan(Kind.READ_WRITE_LOCK, options.readWriteLocksPath(), namePrefix, found);
            scan(Kind.SEMAPHORE, options.semaphoresPath(), namePrefix, found);
            scan(Kind.ELECTION, options.electionsPath(), namePrefix, found);
        } catch (Exception e) {
            throw new LockException("cannot list the recipes under " + options.rootPath() + ": " + e.getMessage(), e);
        }
        found.sort(Comparator.comparing(CoordinationInfo::kind).thenComparing(CoordinationInfo::name));
        return found;
    }

    private void scan(Kind kind, String root, String namePrefix, List<CoordinationInfo> found) throws Exception {
        for (String[] named : LockInspector.namesUnder(curator, root, namePrefix)) {
            List<String> queue;
            try {
                queue = QueueNode.ordered(curator.getChildren().forPath(root + "/" + named[1]));
            } catch (KeeperException.NoNodeException e) {
                continue;
            }
            if (!queue.isEmpty()) {
                CoordinationInfo info = describe(kind, named[0], root + "/" + named[1], queue);
                if (info != null) {
                    found.add(info);
                }
            }
        }
    }

    private CoordinationInfo describe(Kind kind, String name, String path, List<String> queue) throws Exception {
        switch (kind) {
            case READ_WRITE_LOCK: {
                boolean writer = ReadWriteRule.isWriter(queue.get(0));
                int holders = 1;
                while (!writer && holders < queue.size() && !ReadWriteRule.isWriter(queue.get(holders))) {
                    holders++;
                }
                Stat newest = stat(path + "/" + queue.get(holders - 1));
                return newest == null ? null : new CoordinationInfo(kind, name, holders, -1, queue.size() - holders,
                        newest.getCzxid(), writer ? "write" : "read");
            }
            case SEMAPHORE: {
                int permits = SemaphoreRule.permitsOf(queue.get(0));
                int holders = permits < 0 ? 1 : Math.min(permits, queue.size());
                Stat newest = stat(path + "/" + queue.get(holders - 1));
                return newest == null ? null : new CoordinationInfo(kind, name, holders, permits,
                        queue.size() - holders, newest.getCzxid(), "");
            }
            default: {
                Stat stat = new Stat();
                byte[] payload;
                try {
                    payload = curator.getData().storingStatIn(stat).forPath(path + "/" + queue.get(0));
                } catch (KeeperException.NoNodeException e) {
                    return null;
                }
                return new CoordinationInfo(kind, name, 1, 1, queue.size() - 1, stat.getCzxid(),
                        new String(payload == null ? new byte[0] : payload, StandardCharsets.UTF_8));
            }
        }
    }

    private Stat stat(String path) throws Exception {
        return curator.checkExists().forPath(path);
    }
}
