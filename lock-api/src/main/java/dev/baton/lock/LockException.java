package dev.baton.lock;

/**
 * An infrastructure fault: the backend is unreachable, refused a request, or answered in a way that
 * waiting cannot cure; or the client was closed under a pending request. Losing a race for a lock is
 * never a {@code LockException}: {@link DistributedLock#tryAcquire} returns empty for that.
 *
 * <p>The cause, when there is one, is the backend's own exception.
 */
public class LockException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An exception with a message that says what failed. */
    public LockException(String message) {
        super(message);
    }

    /** An exception with a message that says what failed, and the backend's exception. */
    public LockException(String message, Throwable cause) {
        super(message, cause);
    }
}
