package dev.baton.lock.zookeeper;

import dev.baton.lock.Lease;
import dev.baton.lock.zookeeper.internal.CuratorOps;
import dev.baton.lock.zookeeper.internal.LockEngine;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.api.transaction.CuratorOp;
import org.apache.curator.framework.api.transaction.OperationType;

/**
 * A lease whose queue node the caller creates inside its own ZooKeeper {@code multi()}.
 *
 * @deprecated use {@link dev.baton.lock.zookeeper.ext.LeaseRequest}, from
 *     {@link dev.baton.lock.zookeeper.ext.CallerQueues#leaseRequest(String)}; it behaves the same
 */
@Deprecated(forRemoval = true)
public final class LeaseRequest {

    private final LockEngine engine;
    private final String queuePath;
    private final String attemptId = LockEngine.newAttemptId();
    private final AtomicBoolean adopted = new AtomicBoolean();

    LeaseRequest(LockEngine engine, String queuePath) {
        this.engine = engine;
        this.queuePath = queuePath;
    }

    /** The queue node under which {@link #createOp()} creates the lease's node. */
    public String queuePath() {
        return queuePath;
    }

    /** As {@link dev.baton.lock.zookeeper.ext.LeaseRequest#createOp()}. */
    public CuratorOp createOp() {
        return CuratorOps.of(engine.createOp(queuePath, attemptId), OperationType.CREATE);
    }

    /** As {@link dev.baton.lock.zookeeper.ext.LeaseRequest#adopt()}. */
    public Optional<Lease> adopt() {
        if (!adopted.compareAndSet(false, true)) {
            throw new IllegalStateException("this lease request on " + queuePath + " was adopted already;"
                    + " make a new request for another lease");
        }
        return engine.adopt(queuePath, attemptId);
    }

    @Override
    public String toString() {
        return "LeaseRequest[" + queuePath + ", attempt " + attemptId + "]";
    }
}
