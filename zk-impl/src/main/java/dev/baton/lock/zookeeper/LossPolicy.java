package dev.baton.lock.zookeeper;

/** When a ZooKeeper lease is declared lost ({@code baton.zookeeper.lost-on}). */
public enum LossPolicy {

    /**
     * As soon as the connection is suspended (the default). While disconnected we cannot know
     * whether our session is still alive, so continuing to act as holder risks overlap with a new
     * holder. This is the safe choice, and the one Curator's documentation recommends.
     */
    SUSPENDED,

    /**
     * Only when the session is lost (expired, or Curator has waited out the session timeout), or
     * may be: in both policies a lease ends at its local deadline, the send time of the newest
     * request the server answered plus nine tenths of the session timeout, before the server can
     * expire the session. Survives blips shorter than that without losing the lease.
     */
    SESSION_LOST
}
