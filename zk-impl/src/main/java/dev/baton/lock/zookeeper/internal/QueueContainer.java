package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LockException;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;

/**
 * Puts back a named lock's queue node, a container the server deletes once it is empty, so that a
 * create under it can find it gone at any time; and, if its parent is missing (the locks root, or a
 * recipe's root such as {@code <root>/elections}, made on first use), the parent first. Only for queues Baton owns: a queue that belongs to the caller is never created.
 */
final class QueueContainer {

    /** What became of one recovery; each is called at most once, and never with a lock held. */
    interface Outcome {
        /** The queue node exists (made now, or by someone else meanwhile): queue again. */
        void ready();

        /** ZooKeeper refused the create with {@code code} for {@code path}. */
        void refused(Code code, String path);

        /** The root could not be put back. */
        void failed(LockException error);
    }

    private final LockEngine engine;
    private final Session session;

    QueueContainer(LockEngine engine, Session session) {
        this.engine = engine;
        this.session = session;
    }

    /**
     * Creates the container at {@code lockPath}.
     *
     * @throws LockException if there is no connection to send on
     */
    void recreate(String lockPath, Outcome outcome) {
        session.create(lockPath, new byte[0], CreateMode.CONTAINER, (code, path, stat) -> {
            if (code == Code.OK || code == Code.NODEEXISTS) {
                outcome.ready();
            } else if (code == Code.NONODE) {
                // The locks root is gone too: put it back, blocking, so not on the event thread.
                engine.deliver(() -> recreateRoot(lockPath, outcome));
            } else {
                outcome.refused(code, lockPath);
            }
        });
    }

    private void recreateRoot(String lockPath, Outcome outcome) {
        try {
            engine.ensurePath(engine.options().rootPath());
            // The parent of a named queue: the locks root, or a recipe's (elections, semaphores...).
            engine.ensurePath(lockPath.substring(0, lockPath.lastIndexOf('/')));
        } catch (LockException e) {
            outcome.failed(e);
            return;
        }
        outcome.ready();
    }
}
