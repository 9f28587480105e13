package dev.baton.lock;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The lease of a {@link MultiLock}: one lease per part, in the canonical order. Its loss is the
 * first part's loss; the other parts are then released, since holding them alone protects nothing.
 */
final class AllLease implements Lease {

    private final String lockName;
    private final List<String> names;
    private final List<Lease> parts;
    private final CompletableFuture<LossReason> lost = new CompletableFuture<>();
    private final AtomicBoolean watching = new AtomicBoolean();
    private final AtomicBoolean released = new AtomicBoolean();

    AllLease(String lockName, List<String> names, List<Lease> parts) {
        this.lockName = lockName;
        this.names = names;
        this.parts = List.copyOf(parts);
    }

    @Override
    public String lockName() {
        return lockName;
    }

    /** The greatest of the parts' tokens. */
    @Override
    public long fencingToken() {
        long greatest = Long.MIN_VALUE;
        for (Lease part : parts) {
            greatest = Math.max(greatest, part.fencingToken());
        }
        return greatest;
    }

    @Override
    public long fencingToken(String name) {
        int index = names.indexOf(Objects.requireNonNull(name, "lockName"));
        if (index < 0) {
            throw new IllegalArgumentException("this lease covers " + names + ", not '" + name + "'");
        }
        if (!isValid()) {
            parts.get(index).fencingToken(); // throws with the part's own reason when it ended
            throw new IllegalStateException("the lease on " + lockName + " has ended; its tokens are stale");
        }
        return parts.get(index).fencingToken();
    }

    @Override
    public boolean isValid() {
        if (released.get() || lost.isDone()) {
            return false;
        }
        for (Lease part : parts) {
            if (!part.isValid()) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@inheritDoc}
     *
     * <p>The first call starts listening to every part's loss (on ZooKeeper that costs a watch per
     * part, set only when someone listens).
     */
    @Override
    public CompletableFuture<LossReason> lost() {
        if (watching.compareAndSet(false, true)) {
            for (Lease part : parts) {
                part.lost().thenAccept(this::partLost);
            }
        }
        return lost.copy();
    }

    private void partLost(LossReason reason) {
        if (released.get() || !lost.complete(reason)) {
            return;
        }
        CompletableFuture.runAsync(() -> AllLocks.releaseAll(parts, null));
    }

    @Override
    public void release() {
        if (released.compareAndSet(false, true)) {
            AllLocks.releaseAll(parts, null);
        }
    }

    @Override
    public void close() {
        release();
    }

    @Override
    public String toString() {
        return "Lease[" + lockName + ", " + (isValid() ? "HELD" : "ENDED") + "]";
    }
}
