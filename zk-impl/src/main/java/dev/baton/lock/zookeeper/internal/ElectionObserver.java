package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LeaderElection;
import dev.baton.lock.LeaderInfo;
import dev.baton.lock.LockException;
import dev.baton.lock.spi.LeaderReports;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * Tells a listener who leads an election, with watches and no polling: a children watch on the
 * election's queue (or, while the queue node does not exist, an {@code exists} watch for its
 * creation), and a read of the head's node when the head changes. Every refresh is a numbered
 * round; answers of older rounds are dropped, and one session answers in order, so the listener
 * sees changes in order. A reconnection refreshes (watches do not outlive a session), and so does
 * every watch event.
 *
 * <p>Thread-safe; the listener is called on the engine's callback thread.
 */
final class ElectionObserver implements LeaderElection.Observation {

    private final LockEngine engine;
    private final String election;
    private final String path;
    private final LeaderReports reports;
    private final Watcher watcher = this::changed;
    private int round; // guarded by this
    private @Nullable String head; // guarded by this: the head node last reported

    ElectionObserver(LockEngine engine, String election, String path, Consumer<Optional<LeaderInfo>> listener) {
        this.engine = engine;
        this.election = election;
        this.path = path;
        this.reports = new LeaderReports(election, listener, engine::deliver);
    }

    ElectionObserver start() {
        engine.addObserver(this);
        refresh();
        return this;
    }

    private void changed(WatchedEvent event) {
        if (event.getType() != Watcher.Event.EventType.None) {
            refresh();
        }
    }

    /** Reads the queue again, with a watch. */
    synchronized void refresh() {
        if (reports.isClosed()) {
            return;
        }
        int current = ++round;
        try {
            engine.session().watchChildren(path, watcher, (code, children) -> listed(current, code, children));
        } catch (LockException e) {
            // no connection: the reconnection refreshes
        }
    }

    private synchronized void listed(int current, Code code, @Nullable List<String> children) {
        if (reports.isClosed() || current != round) {
            return;
        }
        if (code == Code.NONODE) {
            // No queue: nobody leads. Watch for its creation, which comes with the first candidate.
            report(null, null);
            engine.session().exists(path, watcher, (c, stat) -> {
                if (c == Code.OK) {
                    refresh();
                }
            });
            return;
        }
        if (code != Code.OK || children == null) {
            return; // a connection fault: the reconnection refreshes
        }
        List<String> queue = QueueNode.ordered(children);
        if (queue.isEmpty()) {
            report(null, null);
        } else if (!queue.get(0).equals(head)) {
            readHead(current, queue, 0);
        }
    }

    private void readHead(int current, List<String> queue, int index) {
        String node = queue.get(index);
        engine.session().read(path + "/" + node, null, (code, data, stat) -> {
            synchronized (this) {
                if (reports.isClosed() || current != round) {
                    return;
                }
                if (code == Code.OK && stat != null) {
                    report(node, ZkElection.info(election, data == null ? new byte[0] : data, stat));
                } else if (code == Code.NONODE && index + 1 < queue.size()) {
                    readHead(current, queue, index + 1);
                } else if (code == Code.NONODE) {
                    report(null, null);
                }
            }
        });
    }

    // Callers hold the monitor.
    private void report(@Nullable String node, @Nullable LeaderInfo info) {
        head = node;
        reports.report(Optional.ofNullable(info));
    }

    @Override
    public void close() {
        reports.close();
        engine.removeObserver(this);
    }
}
