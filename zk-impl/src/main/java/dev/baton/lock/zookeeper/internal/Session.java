package dev.baton.lock.zookeeper.internal;

import java.util.List;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;

/**
 * The ZooKeeper session the lock engine talks to: the calls it sends on the current handle, and
 * what it knows of the connection. Requests go out at once and in order (one session is FIFO,
 * which the engine relies on); asynchronous answers arrive on ZooKeeper's single event thread.
 *
 * <p>Every call throws {@link dev.baton.lock.LockException} when there is no handle to send on
 * (no connection yet, or the client is closed); the blocking ones also throw ZooKeeper's own
 * exceptions.
 */
interface Session {

    /** The answer to a create: the created path and its stat when {@code code} is OK. */
    interface Created {
        void created(Code code, @Nullable String path, @Nullable Stat stat);
    }

    /** The answer to a listing: the children when {@code code} is OK. */
    interface Listed {
        void listed(Code code, @Nullable List<String> children);
    }

    /** The answer to an {@code exists} or {@code getData}: the stat when {@code code} is OK. */
    interface Stated {
        void stated(Code code, @Nullable Stat stat);
    }

    /** The answer to a {@code getData}: the data and stat when {@code code} is OK. */
    interface Read {
        void read(Code code, byte @Nullable [] data, @Nullable Stat stat);
    }

    /** The answer to a delete. */
    interface Deleted {
        void deleted(Code code);
    }

    /** Creates {@code path} with the engine's ACL. */
    void create(String path, byte[] data, CreateMode mode, Created answer);

    /** Lists {@code path}'s children, without a watch. */
    void children(String path, Listed answer);

    /**
     * Lists {@code path}'s children and watches them, with {@code watcher}, for the next change
     * (none is left behind when the node does not exist).
     */
    void watchChildren(String path, Watcher watcher, Listed answer);

    /** {@code getData}, with {@code watcher} if it is not null. */
    void read(String path, @Nullable Watcher watcher, Read answer);

    /** {@code exists}, with {@code watcher} if it is not null (set whether or not the node exists). */
    void exists(String path, @Nullable Watcher watcher, Stated answer);

    /**
     * {@code getData} with {@code watcher}: unlike {@code exists}, it leaves no watch behind when
     * the node is already gone. The data is not wanted.
     */
    void watchData(String path, Watcher watcher, Stated answer);

    /** Deletes {@code path}, whatever its version. */
    void delete(String path, Deleted answer);

    /** Lists {@code path}'s children on the calling thread. Not for the event thread. */
    List<String> childrenNow(String path) throws KeeperException, InterruptedException;

    /** {@code exists} on the calling thread, without a watch. Not for the event thread. */
    @Nullable Stat existsNow(String path) throws KeeperException, InterruptedException;

    /** Deletes {@code path} on the calling thread. Not for the event thread. */
    void deleteNow(String path) throws KeeperException, InterruptedException;

    /** Whether the connection is up now. */
    boolean isConnected();

    /**
     * How many times the session has been seen to lose its connection, counted on ZooKeeper's
     * event thread in order with watch events: a watch event that arrives with this unchanged since
     * some earlier read came over the same, unbroken connection.
     */
    long disconnects();

    /** The id of the current session; throws like every call when there is no handle. */
    long sessionId();

    /**
     * The clock of the current session: until when, by this client's monotonic clock, the session
     * is certainly alive, from the answers to the requests sent here. Throws like every call when
     * there is no handle.
     */
    SessionClock clock();
}
