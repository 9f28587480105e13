package dev.baton.lock.spi;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.DistributedSemaphore;
import dev.baton.lock.Lease;
import dev.baton.lock.LockNames;
import dev.baton.lock.ReadWriteLock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * For backend implementers: the recipe handles that only rename a lock the backend built. A
 * backend's semaphore is a lock whose rule admits N holders, and its read-write lock two locks on
 * one queue or key set; the waiting, the leases and their loss are the backend's lock machinery.
 */
public final class Recipes {

    private Recipes() {
    }

    /**
     * Checks a semaphore's name and permits, before anything is sent.
     *
     * @throws NullPointerException if {@code name} is null
     * @throws IllegalArgumentException if {@code name} is not a valid lock name, or {@code permits} &lt; 1
     */
    public static void checkSemaphore(String name, int permits) {
        LockNames.check(name);
        if (permits < 1) {
            throw new IllegalArgumentException("a semaphore needs at least 1 permit, not " + permits
                    + " (semaphore '" + name + "')");
        }
    }

    /** A semaphore whose permits are the leases of {@code permitLock}, a lock that admits {@code permits} holders. */
    public static DistributedSemaphore semaphore(String name, int permits, DistributedLock permitLock) {
        return new LockSemaphore(Objects.requireNonNull(name, "name"), permits,
                Objects.requireNonNull(permitLock, "permitLock"));
    }

    /** A read-write lock of two locks the backend keeps apart and together. */
    public static ReadWriteLock readWriteLock(String name, DistributedLock readLock, DistributedLock writeLock) {
        return new PairedReadWriteLock(Objects.requireNonNull(name, "name"),
                Objects.requireNonNull(readLock, "readLock"), Objects.requireNonNull(writeLock, "writeLock"));
    }

    private record PairedReadWriteLock(String name, DistributedLock readLock, DistributedLock writeLock)
            implements ReadWriteLock {
        @Override
        public String toString() {
            return "ReadWriteLock[" + name + "]";
        }
    }

    private record LockSemaphore(String name, int permits, DistributedLock permitLock) implements DistributedSemaphore {

        @Override
        public Lease acquire() throws InterruptedException {
            return permitLock.acquire();
        }

        @Override
        public Optional<Lease> tryAcquire(Duration maxWait) throws InterruptedException {
            return permitLock.tryAcquire(maxWait);
        }

        @Override
        public CompletableFuture<Lease> acquireAsync() {
            return permitLock.acquireAsync();
        }

        @Override
        public String toString() {
            return "Semaphore[" + name + ", " + permits + " permits]";
        }
    }
}
