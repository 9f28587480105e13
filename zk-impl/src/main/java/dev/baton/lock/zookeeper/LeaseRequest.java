package dev.baton.lock.zookeeper;

import dev.baton.lock.Lease;
import dev.baton.lock.zookeeper.internal.CallerLease;
import java.util.Optional;
import org.apache.curator.framework.api.transaction.CuratorOp;

/**
 * A lease whose queue node the caller creates inside its own ZooKeeper {@code multi()}.
 *
 * @deprecated use {@link dev.baton.lock.zookeeper.ext.LeaseRequest}, from
 *     {@link dev.baton.lock.zookeeper.ext.CallerQueues#leaseRequest(String)}; it behaves the same
 */
@Deprecated(forRemoval = true)
public final class LeaseRequest {

    private final CallerLease lease;

    LeaseRequest(CallerLease lease) {
        this.lease = lease;
    }

    /** The queue node under which {@link #createOp()} creates the lease's node. */
    public String queuePath() {
        return lease.queuePath();
    }

    /** As {@link dev.baton.lock.zookeeper.ext.LeaseRequest#createOp()}. */
    public CuratorOp createOp() {
        return lease.createOp();
    }

    /** As {@link dev.baton.lock.zookeeper.ext.LeaseRequest#adopt()}. */
    public Optional<Lease> adopt() {
        return lease.adopt();
    }

    @Override
    public String toString() {
        return lease.toString();
    }
}
