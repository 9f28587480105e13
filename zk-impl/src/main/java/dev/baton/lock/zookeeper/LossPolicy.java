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
     * Only when the session is lost (expired, or Curator has waited out the session timeout).
     * Survives short blips without losing the lease, at the price that, between the server expiring
     * the session and this client learning it, two holders can overlap: rely on fencing tokens.
     */
    SESSION_LOST
}
