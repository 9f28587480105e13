package dev.baton.lock.zookeeper.internal;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.zookeeper.WatchedEvent;
import org.apache.zookeeper.Watcher;

/**
 * Children watches on queues whose rule {@linkplain QueueRule#watchesQueue() watches the queue}:
 * one per client and queue, however many of its attempts wait there. Every read of such a queue
 * sets the watch ({@link QueueReads} passes {@link #watcher()}); an attempt whose read left it
 * waiting registers here; when the queue changes, every registered attempt reads it again (one
 * shared read). Registration happens on ZooKeeper's event thread right after the read was
 * evaluated, and the watch event comes later on the same thread, so no change is missed.
 *
 * <p>One watcher object serves every queue: ZooKeeper's client keeps a set of watchers per path,
 * so a second read of a queue adds no second watch, and a fire reaches this class once.
 *
 * <p>Thread-safe.
 */
final class QueueWatches {

    private final Map<String, Set<AcquireAttempt>> waiting = new ConcurrentHashMap<>();
    private final Watcher watcher = this::fired;

    /** The watcher every read of a watched queue sets. */
    Watcher watcher() {
        return watcher;
    }

    /** {@code attempt} waits for the queue at {@code lockPath} to change. */
    void await(String lockPath, AcquireAttempt attempt) {
        waiting.computeIfAbsent(lockPath, path -> ConcurrentHashMap.newKeySet()).add(attempt);
    }

    /** {@code attempt} no longer waits for {@code lockPath}. */
    void remove(String lockPath, AcquireAttempt attempt) {
        waiting.computeIfPresent(lockPath, (path, attempts) -> {
            attempts.remove(attempt);
            return attempts.isEmpty() ? null : attempts;
        });
    }

    private void fired(WatchedEvent event) {
        Watcher.Event.EventType type = event.getType();
        if (event.getPath() == null || (type != Watcher.Event.EventType.NodeChildrenChanged
                && type != Watcher.Event.EventType.NodeDeleted)) {
            return; // connection events: the engine resyncs every attempt on reconnection
        }
        Set<AcquireAttempt> woken = waiting.remove(event.getPath());
        if (woken != null) {
            woken.forEach(AcquireAttempt::queueChanged);
        }
    }
}
