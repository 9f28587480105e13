package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockNames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/** Reads the lock queues under {@code <root>/locks} for operators. Blocking; one read per lock. */
final class LockInspector {

    private final CuratorFramework curator;
    private final String locksPath;

    LockInspector(CuratorFramework curator, String locksPath) {
        this.curator = curator;
        this.locksPath = locksPath;
    }

    List<LockInfo> heldLocks(String namePrefix) {
        Objects.requireNonNull(namePrefix, "namePrefix");
        List<LockInfo> held = new ArrayList<>();
        try {
            for (String[] named : namesUnder(curator, locksPath, namePrefix)) {
                holderOf(named[0], locksPath + "/" + named[1]).ifPresent(held::add);
            }
        } catch (Exception e) {
            throw new LockException("cannot list the locks under " + locksPath + ": " + e.getMessage(), e);
        }
        held.sort(Comparator.comparing(LockInfo::name));
        return held;
    }

    /**
     * The queues under {@code root} whose decoded names start with {@code namePrefix}, as
     * {decoded name, encoded name} pairs; none if {@code root} does not exist. Foreign children are
     * left out.
     */
    static List<String[]> namesUnder(CuratorFramework curator, String root, String namePrefix) throws Exception {
        List<String> children;
        try {
            children = curator.getChildren().forPath(root);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        }
        List<String[]> named = new ArrayList<>();
        for (String encoded : children) {
            try {
                String name = LockNames.decode(encoded);
                if (name.startsWith(namePrefix)) {
                    named.add(new String[] {name, encoded});
                }
            } catch (IllegalArgumentException foreign) {
                // not a Baton queue
            }
        }
        return named;
    }

    private Optional<LockInfo> holderOf(String name, String lockPath) throws Exception {
        List<String> queue;
        try {
            queue = QueueNode.ordered(curator.getChildren().forPath(lockPath));
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        }
        for (int i = 0; i < queue.size(); i++) {
            Stat stat = new Stat();
            try {
                byte[] data = curator.getData().storingStatIn(stat).forPath(lockPath + "/" + queue.get(i));
                return Optional.of(new LockInfo(name, new String(data, StandardCharsets.UTF_8), stat.getCzxid(),
                        Optional.of(Instant.ofEpochMilli(stat.getCtime())), queue.size() - i - 1));
            } catch (KeeperException.NoNodeException released) {
                // the holder left while we looked: the next one is the holder now
            }
        }
        return Optional.empty();
    }
}
