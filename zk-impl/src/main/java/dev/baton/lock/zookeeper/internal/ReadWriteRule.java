package dev.baton.lock.zookeeper.internal;

import java.util.List;

/**
 * The read-write lock's two rules over one queue, whose nodes carry the tag {@code r} (reader) or
 * {@code w} (writer):
 * <ul>
 *   <li>a reader holds unless a writer is queued before it; it watches the last such writer. Readers
 *       ignore earlier readers, so readers share the lock; and a reader that queues behind a
 *       waiting writer waits for it, which is what makes the lock writer-preferring.
 *   <li>a writer holds only at the head, and watches its predecessor, reader or writer.
 * </ul>
 * Both are monotonic: nodes leaving before ours never make a holder wait.
 */
public final class ReadWriteRule implements QueueRule {

    /** The tag of a reader's nodes. */
    public static final String READER_TAG = "r";
    /** The tag of a writer's nodes. */
    public static final String WRITER_TAG = "w";

    /** The rule of the read lock. */
    public static final ReadWriteRule READER = new ReadWriteRule(false);
    /** The rule of the write lock. */
    public static final ReadWriteRule WRITER = new ReadWriteRule(true);

    private final boolean writer;

    private ReadWriteRule(boolean writer) {
        this.writer = writer;
    }

    @Override
    public QueuePosition position(List<String> queue, int mine) {
        if (mine < 0 || mine >= queue.size()) {
            throw new IndexOutOfBoundsException("our node is at " + mine + " in a queue of " + queue.size());
        }
        if (writer) {
            if (mine == 0) {
                return QueuePosition.holding();
            }
            String predecessor = queue.get(mine - 1);
            // A writer that held was at the head: once it is gone, so is everything before us.
            return QueuePosition.waitingFor(predecessor, mine == 1, isWriter(predecessor));
        }
        int lastWriter = -1;
        int writersBefore = 0;
        for (int i = 0; i < mine; i++) {
            if (isWriter(queue.get(i))) {
                lastWriter = i;
                writersBefore++;
            }
        }
        if (lastWriter < 0) {
            return QueuePosition.holding();
        }
        // Gone alone, it leaves no writer before us only if it was the only one; having held, it
        // was at the head, so nothing at all is left before it.
        return QueuePosition.waitingFor(queue.get(lastWriter), writersBefore == 1, true);
    }

    static boolean isWriter(String node) {
        return WRITER_TAG.equals(QueueNode.tagOf(node));
    }

    @Override
    public String toString() {
        return writer ? "ReadWriteRule.WRITER" : "ReadWriteRule.READER";
    }
}
