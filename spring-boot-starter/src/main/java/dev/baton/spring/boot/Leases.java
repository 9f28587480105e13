package dev.baton.spring.boot;

import dev.baton.lock.Lease;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/**
 * The lease held by the innermost {@link WithLock} method running on the current thread.
 *
 * <pre>{@code
 * store.write(data, Leases.current().fencingToken());
 * }</pre>
 */
public final class Leases {

    private static final ThreadLocal<Deque<Lease>> HELD = ThreadLocal.withInitial(ArrayDeque::new);

    private Leases() {
    }

    /**
     * The innermost {@code @WithLock} lease of this thread.
     *
     * @throws IllegalStateException if no {@code @WithLock} method is running on this thread
     */
    public static Lease current() {
        return find().orElseThrow(() -> new IllegalStateException(
                "no @WithLock method is running on this thread, so there is no current lease"));
    }

    /** The innermost {@code @WithLock} lease of this thread, if any. */
    public static Optional<Lease> find() {
        return Optional.ofNullable(HELD.get().peek());
    }

    static void push(Lease lease) {
        HELD.get().push(lease);
    }

    static void pop() {
        Deque<Lease> held = HELD.get();
        held.pop();
        if (held.isEmpty()) {
            HELD.remove();
        }
    }
}
