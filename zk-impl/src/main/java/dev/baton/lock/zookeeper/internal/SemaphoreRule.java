package dev.baton.lock.zookeeper.internal;

import java.util.List;

/**
 * The semaphore of N permits: the first N nodes of the queue hold. A waiter watches the whole queue
 * ({@link #watchesQueue()}): the first waiter holds once <em>any</em> holder leaves, and holders
 * leave in any order, so no single node to watch would wake it in time (Curator's
 * {@code InterProcessSemaphoreV2} watches the children too).
 *
 * <p>Every node carries its client's permit count in its tag ({@link #tagFor}), so a node can check
 * that the holders agree with it: if any of the nodes that hold before it (at most N) says another
 * number, the request is {@linkplain QueuePosition#refused refused} instead of admitted under a
 * count the others do not share.
 */
public final class SemaphoreRule implements QueueRule {

    private static final String TAG_PREFIX = "p";

    private final int permits;
    private final String tag;

    /**
     * @throws IllegalArgumentException if {@code permits} is less than 1
     */
    public SemaphoreRule(int permits) {
        if (permits < 1) {
            throw new IllegalArgumentException("a semaphore needs at least 1 permit: " + permits);
        }
        this.permits = permits;
        this.tag = tagFor(permits);
    }

    /** The node tag of this rule's nodes. */
    public String tag() {
        return tag;
    }

    /** Tags are lower-case letters: the permit count in base 26 ({@code a} = 0), after a {@code p}. */
    static String tagFor(int permits) {
        StringBuilder digits = new StringBuilder();
        int rest = permits;
        do {
            digits.append((char) ('a' + rest % 26));
            rest /= 26;
        } while (rest > 0);
        return TAG_PREFIX + digits.reverse();
    }

    /** The permit count in a node's tag, or -1 if the node carries none. */
    static int permitsOf(String node) {
        String tag = QueueNode.tagOf(node);
        if (!tag.startsWith(TAG_PREFIX) || tag.length() == TAG_PREFIX.length()) {
            return -1;
        }
        long value = 0;
        for (int i = TAG_PREFIX.length(); i < tag.length(); i++) {
            value = value * 26 + (tag.charAt(i) - 'a');
            if (value > Integer.MAX_VALUE) {
                return -1;
            }
        }
        return (int) value;
    }

    @Override
    public QueuePosition position(List<String> queue, int mine) {
        if (mine < 0 || mine >= queue.size()) {
            throw new IndexOutOfBoundsException("our node is at " + mine + " in a queue of " + queue.size());
        }
        int checked = Math.min(mine, permits);
        for (int i = 0; i < checked; i++) {
            int theirs = permitsOf(queue.get(i));
            if (theirs != permits) {
                return QueuePosition.refused("the semaphore is held with " + (theirs < 0 ? "an unknown number of"
                        : String.valueOf(theirs)) + " permits, and this client asked for " + permits
                        + "; every client of a semaphore must use the same number");
            }
        }
        if (mine < permits) {
            return QueuePosition.holding();
        }
        return QueuePosition.waitingFor(queue.get(mine - 1), false, false);
    }

    @Override
    public boolean watchesQueue() {
        return true;
    }

    @Override
    public String toString() {
        return "SemaphoreRule[" + permits + "]";
    }
}
