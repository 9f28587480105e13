package dev.baton.lock.zookeeper.internal;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A {@link QueueRule}'s answer for one node: it holds the lock, it waits for {@code watch} to go, or
 * it is refused because the queue shows a conflict the request cannot wait out (a semaphore whose
 * holders use another number of permits).
 *
 * @param holds whether the node holds the lock now
 * @param watch the node (a name in the queue) whose deletion may change that; null when it holds
 * @param holdsOnceWatchedGone whether, with the queue as read, the deletion of {@code watch} alone
 *     makes us hold: then the waiter takes the lock on the deletion event without reading the
 *     queue again (later nodes only join behind ours, and the rule is monotonic)
 * @param holdsOnceWatchedReleased whether learning that {@code watch} held the lock and then let it
 *     go (a lease of our own client tells its successor so) makes us hold once it is gone: true for
 *     exclusive rules, where holding means heading the queue
 * @param refusal why the request must fail instead of waiting; null when it holds or waits
 */
public record QueuePosition(boolean holds, @Nullable String watch, boolean holdsOnceWatchedGone,
        boolean holdsOnceWatchedReleased, @Nullable String refusal) {

    private static final QueuePosition HOLDS = new QueuePosition(true, null, false, false);

    /** A position that holds or waits (no refusal). */
    public QueuePosition(boolean holds, @Nullable String watch, boolean holdsOnceWatchedGone,
            boolean holdsOnceWatchedReleased) {
        this(holds, watch, holdsOnceWatchedGone, holdsOnceWatchedReleased, null);
    }

    /**
     * Checks the combination.
     *
     * @throws IllegalArgumentException if a holder has a node to watch or a waiter has none
     */
    public QueuePosition {
        if (refusal != null) {
            if (holds || watch != null || holdsOnceWatchedGone || holdsOnceWatchedReleased) {
                throw new IllegalArgumentException("a refused position neither holds nor watches");
            }
        } else if (holds != (watch == null)) {
            throw new IllegalArgumentException("a holder watches nothing and a waiter watches a node: holds="
                    + holds + ", watch=" + watch);
        } else if (holds && (holdsOnceWatchedGone || holdsOnceWatchedReleased)) {
            throw new IllegalArgumentException("a holder has no watched node to wait for");
        }
    }

    /** The node holds the lock. */
    public static QueuePosition holding() {
        return HOLDS;
    }

    /** The request must fail with {@code why}: the queue shows a conflict that waiting cannot cure. */
    public static QueuePosition refused(String why) {
        return new QueuePosition(false, null, false, false, Objects.requireNonNull(why, "why"));
    }

    /** The node waits for {@code watch}; see the record's components for the two flags. */
    public static QueuePosition waitingFor(String watch, boolean holdsOnceGone, boolean holdsOnceReleased) {
        return new QueuePosition(false, Objects.requireNonNull(watch, "watch"), holdsOnceGone, holdsOnceReleased);
    }
}
