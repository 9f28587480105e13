package dev.baton.shedlock;

import java.util.Optional;
import net.javacrumbs.shedlock.core.AbstractSimpleLock;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;

/**
 * What ShedLock holds while its task runs. ShedLock's {@link AbstractSimpleLock} makes each
 * instance usable once: after {@code unlock} or {@code extend} it throws
 * {@link IllegalStateException}; an extension hands out a new instance on the same lease.
 */
final class BatonSimpleLock extends AbstractSimpleLock {

    private final HeldLease lease;

    BatonSimpleLock(LockConfiguration configuration, HeldLease lease) {
        super(configuration);
        this.lease = lease;
    }

    @Override
    protected void doUnlock() {
        lease.unlock(lockConfiguration.getLockAtLeastUntil());
    }

    @Override
    protected Optional<SimpleLock> doExtend(LockConfiguration newConfiguration) {
        return lease.extendTo(newConfiguration.getLockAtMostUntil())
                ? Optional.of(new BatonSimpleLock(newConfiguration, lease))
                : Optional.empty();
    }

    @Override
    public String toString() {
        return "BatonSimpleLock[" + lockConfiguration + "]";
    }
}
