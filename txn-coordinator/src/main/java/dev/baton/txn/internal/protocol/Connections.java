package dev.baton.txn.internal.protocol;

import dev.baton.txn.TransactionException;

import dev.baton.lock.LockException;
import dev.baton.lock.spi.BatonConfig;
import dev.baton.lock.zookeeper.ZooKeeperLockClient;
import dev.baton.lock.zookeeper.ZooKeeperLockProvider;

/** The ZooKeeper connection a coordinator or a host built from configuration owns. */
public final class Connections {

    private Connections() {
    }

    /**
     * Opens it.
     *
     * @throws TransactionException if ZooKeeper cannot be reached within the connection timeout:
     *     one exception type for one kind of fault, whichever of the two opens it
     */
    public static ZooKeeperLockClient open(BatonConfig config) {
        try {
            return (ZooKeeperLockClient) new ZooKeeperLockProvider().open(config);
        } catch (LockException e) {
            throw new TransactionException(null, "cannot connect to ZooKeeper: " + e.getMessage(), e);
        }
    }
}
