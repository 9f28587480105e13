package dev.baton.lock.zookeeper.internal;

import java.util.List;

/**
 * The mutex: the head of the queue holds the lock; every other node watches the node just before
 * it, so a release wakes one waiter. When that node goes the waiter holds if it was the head (it
 * was first at the read, or told us it held): nothing else is before us.
 */
public final class ExclusiveRule implements QueueRule {

    /** The one instance: the rule has no state. */
    public static final ExclusiveRule INSTANCE = new ExclusiveRule();

    private ExclusiveRule() {
    }

    @Override
    public QueuePosition position(List<String> queue, int mine) {
        if (mine < 0 || mine >= queue.size()) {
            throw new IndexOutOfBoundsException("our node is at " + mine + " in a queue of " + queue.size());
        }
        if (mine == 0) {
            return QueuePosition.holding();
        }
        return QueuePosition.waitingFor(queue.get(mine - 1), mine == 1, true);
    }

    @Override
    public String toString() {
        return "ExclusiveRule";
    }
}
