package dev.baton.lock.zookeeper.internal;

import java.util.Objects;

/**
 * What kind of queue a lock is: the rule that says who holds it, the tag its nodes carry for that
 * rule, and whether the queue node belongs to the caller (then Baton never creates it). One object,
 * shared by every handle of a kind, so that a lock handle costs no more per waiter than it did.
 *
 * @param rule who holds the lock, and whom a waiter watches
 * @param nodeTag marks the nodes' attempt ids ({@link QueueNode#tagOf}); empty for none
 * @param callerOwnsQueue whether a missing queue node is an error rather than something to create
 */
record QueueKind(QueueRule rule, String nodeTag, boolean callerOwnsQueue) {

    /** A named lock: a mutex whose queue is a container Baton creates on demand. */
    static final QueueKind NAMED_MUTEX = new QueueKind(ExclusiveRule.INSTANCE, "", false);

    /** The read side of a read-write lock. */
    static final QueueKind READER = new QueueKind(ReadWriteRule.READER, ReadWriteRule.READER_TAG, false);

    /** The write side of a read-write lock. */
    static final QueueKind WRITER = new QueueKind(ReadWriteRule.WRITER, ReadWriteRule.WRITER_TAG, false);

    /** A mutex on a queue node the caller owns. */
    static final QueueKind CALLER_MUTEX = new QueueKind(ExclusiveRule.INSTANCE, "", true);

    QueueKind {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(nodeTag, "nodeTag");
    }
}
