package dev.baton.txn;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * Keeps a ZooKeeper handle's event thread busy in a watcher until closed, so that no asynchronous
 * reply of that handle is delivered meanwhile: a deterministic way to hold a request "in flight"
 * while a test makes others.
 */
public final class EventThreadHold implements AutoCloseable {

    private final CountDownLatch release = new CountDownLatch(1);

    private EventThreadHold() {
    }

    /**
     * Holds {@code handle}'s event thread; returns once it is held.
     *
     * @throws IllegalStateException if the watcher did not run within 10 s
     */
    public static EventThreadHold on(ZooKeeper handle) throws Exception {
        EventThreadHold hold = new EventThreadHold();
        CountDownLatch entered = new CountDownLatch(1);
        String path = "/hold-" + System.nanoTime();
        handle.exists(path, event -> {
            entered.countDown();
            try {
                hold.release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        handle.create(path, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        if (!entered.await(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the watcher did not take the event thread within 10 s");
        }
        return hold;
    }

    /** Lets the event thread go on. */
    @Override
    public void close() {
        release.countDown();
    }
}
