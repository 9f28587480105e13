package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.LeaderElection;
import dev.baton.lock.LeaderInfo;
import dev.baton.lock.LockException;
import dev.baton.lock.spi.AbstractLeaderElection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;

/**
 * A leader election on ZooKeeper: candidates are a mutex queue under
 * {@code <root>/elections/<encoded name>} (each watches its predecessor: no herd), whose nodes
 * hold the candidates' payloads. The head leads; its {@code czxid} is the term, its {@code ctime}
 * the "since". A handle is immutable; {@link #withPayload} makes another.
 */
final class ZkElection extends AbstractLeaderElection {

    private final LockEngine engine;
    private final String path;
    private final DistributedLock candidate;

    ZkElection(LockEngine engine, String name, String path, String payload) {
        super(name, payload);
        this.engine = engine;
        this.path = path;
        this.candidate = engine.candidate(name, path, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected DistributedLock candidate() {
        return candidate;
    }

    @Override
    public LeaderElection withPayload(String payload) {
        return new ZkElection(engine, name(), path, LeaderElection.checkPayload(payload));
    }

    /** Reads the queue, then the head's node (the next one if the head left meanwhile). */
    @Override
    public Optional<LeaderInfo> leader() {
        Session session = engine.session();
        try {
            List<String> queue = QueueNode.ordered(session.childrenNow(path));
            for (String node : queue) {
                Optional<LeaderInfo> info = readNow(node);
                if (info.isPresent()) {
                    return info;
                }
            }
            return Optional.empty();
        } catch (KeeperException.NoNodeException e) {
            return Optional.empty();
        } catch (KeeperException e) {
            throw new LockException("cannot read the leader of election '" + name() + "': " + e.code(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LockException("interrupted while reading the leader of election '" + name() + "'", e);
        }
    }

    private Optional<LeaderInfo> readNow(String node) throws KeeperException, InterruptedException {
        Stat stat = new Stat();
        byte[] data;
        try {
            data = engine.curator().getZookeeperClient().getZooKeeper().getData(path + "/" + node, false, stat);
        } catch (KeeperException.NoNodeException gone) {
            return Optional.empty();
        } catch (KeeperException | InterruptedException e) {
            throw e;
        } catch (Exception e) {
            throw new LockException("no ZooKeeper connection: " + e.getMessage(), e);
        }
        return Optional.of(info(name(), data, stat));
    }

    static LeaderInfo info(String election, byte[] data, Stat stat) {
        return new LeaderInfo(election, new String(data == null ? new byte[0] : data, StandardCharsets.UTF_8),
                stat.getCzxid(), Optional.of(Instant.ofEpochMilli(stat.getCtime())));
    }

    @Override
    public Observation observe(Consumer<Optional<LeaderInfo>> listener) {
        Objects.requireNonNull(listener, "listener");
        return new ElectionObserver(engine, name(), path, listener).start();
    }
}
