package dev.baton.lock.zookeeper.internal;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One read of a lock's queue, in queue order. A single read may answer many attempts at once (see
 * {@link QueueReads}); each asks only for the positions of its own nodes, so a queue of n waiters
 * costs one sort and one index, not n of each.
 */
final class QueueListing {

    private static final int INDEX_FROM = 16;
    private static final int[] NONE = new int[0];

    private final List<String> queue;
    private Map<String, int[]> byAttempt;

    QueueListing(List<String> children) {
        this.queue = QueueNode.ordered(children);
    }

    /** The queue nodes, first (the holder) to last; foreign children left out. */
    List<String> queue() {
        return queue;
    }

    /** Positions in {@link #queue()} of the nodes created by {@code attemptId}, ascending. */
    int[] positionsOf(String attemptId) {
        if (queue.size() < INDEX_FROM) {
            return scan(attemptId);
        }
        synchronized (this) {
            if (byAttempt == null) {
                byAttempt = index();
            }
            return byAttempt.getOrDefault(attemptId, NONE);
        }
    }

    private int[] scan(String attemptId) {
        List<Integer> found = new ArrayList<>(1);
        for (int i = 0; i < queue.size(); i++) {
            if (QueueNode.belongsTo(queue.get(i), attemptId)) {
                found.add(i);
            }
        }
        return found.stream().mapToInt(Integer::intValue).toArray();
    }

    private Map<String, int[]> index() {
        Map<String, int[]> index = new HashMap<>(queue.size() * 2);
        for (int i = 0; i < queue.size(); i++) {
            int position = i;
            index.merge(QueueNode.attemptOf(queue.get(i)), new int[] {i}, (before, one) -> {
                int[] more = java.util.Arrays.copyOf(before, before.length + 1);
                more[before.length] = position;
                return more;
            });
        }
        return index;
    }
}
