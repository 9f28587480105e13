package dev.baton.spring.boot;

import java.time.Duration;

/**
 * A {@link WithLock} method was not run because its lock stayed held elsewhere for the whole wait
 * (or the waiting thread was interrupted: the interrupt flag is then set again and the cause is the
 * {@link InterruptedException}).
 */
public class LockNotAcquiredException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String lockName;
    private final transient Duration waited;

    /** An exception for lock {@code lockName}, after waiting {@code waited}. */
    public LockNotAcquiredException(String lockName, Duration waited, Throwable cause) {
        super("lock '" + lockName + "' was not acquired within " + waited.toMillis() + " ms", cause);
        this.lockName = lockName;
        this.waited = waited;
    }

    /** The lock's name, after evaluating the expression. */
    public String lockName() {
        return lockName;
    }

    /** How long the call waited. */
    public Duration waited() {
        return waited;
    }
}
