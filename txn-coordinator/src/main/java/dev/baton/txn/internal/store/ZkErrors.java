package dev.baton.txn.internal.store;

import org.apache.zookeeper.KeeperException;

/** How the protocol reads ZooKeeper's error codes: decided here, once. */
public final class ZkErrors {

    private ZkErrors() {
    }

    /**
     * Whether a write that failed with {@code e} may nevertheless have taken effect: its reply was
     * lost with the connection or the session, or never came in time. The write must then be
     * looked up, never assumed done or undone. The same codes are the transient ones: a read
     * that failed so may be sent again.
     */
    public static boolean isAmbiguous(KeeperException e) {
        switch (e.code()) {
            case CONNECTIONLOSS:
            case OPERATIONTIMEOUT:
            case SESSIONEXPIRED:
            case SESSIONMOVED:
            case REQUESTTIMEOUT:
                return true;
            default:
                return false;
        }
    }

    /** Whether {@code e} is, or is caused by, a {@link KeeperException} that {@link #isAmbiguous} calls ambiguous. */
    public static boolean isAmbiguous(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KeeperException) {
                return isAmbiguous((KeeperException) t);
            }
        }
        return false;
    }
}
