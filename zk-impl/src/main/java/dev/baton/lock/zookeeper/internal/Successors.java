package dev.baton.lock.zookeeper.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Waiting attempts of one client by the node they watch, so that a lease of the same client can
 * tell its successor that it held the lock before it deletes its node ({@link AcquireAttempt}'s
 * successor shortcut).
 *
 * <p>Thread-safe.
 */
final class Successors {

    private final Map<String, AcquireAttempt> byWatchedPath = new ConcurrentHashMap<>();

    void watching(String watchedPath, AcquireAttempt attempt) {
        byWatchedPath.put(watchedPath, attempt);
    }

    void notWatching(String watchedPath, AcquireAttempt attempt) {
        byWatchedPath.remove(watchedPath, attempt);
    }

    /** A lease of this client is about to delete its node: its successor here, if any, learns it held. */
    void releasing(String leasePath) {
        AcquireAttempt successor = byWatchedPath.get(leasePath);
        if (successor != null) {
            successor.predecessorReleasing(leasePath);
        }
    }
}
