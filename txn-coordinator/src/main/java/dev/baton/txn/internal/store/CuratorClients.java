package dev.baton.txn.internal.store;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;

/** The checks every transaction service makes of a Curator client the caller hands it. */
public final class CuratorClients {

    private CuratorClients() {
    }

    /**
     * Refuses a client that {@code user} cannot run on.
     *
     * @param user who is about to use it, for the message ("the coordinator", "the host", ...)
     * @throws IllegalStateException if the client was not started
     * @throws IllegalArgumentException if it uses a namespace: Baton writes absolute paths (the lock
     *     nodes' and its own), so a namespace would be silently ignored; the root path is the setting
     */
    public static void checkUsable(CuratorFramework curator, String user) {
        if (curator.getState() != CuratorFrameworkState.STARTED) {
            throw new IllegalStateException("the Curator client must be started before " + user + " uses it");
        }
        if (curator.getNamespace() != null && !curator.getNamespace().isEmpty()) {
            throw new IllegalArgumentException("the Curator client has namespace '" + curator.getNamespace()
                    + "'; Baton needs one without, and keeps its nodes under options().rootPath() instead");
        }
    }
}
