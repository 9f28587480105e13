package dev.baton.lock.testkit.inmemory;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The server side of the in-memory reference backend: per lock path, the holder, a FIFO queue of
 * waiters and the last token. Paths are stored the way a hierarchical store would, so the contract's
 * namespace check means something.
 */
final class InMemoryLockServer {

    static final Path NAMESPACE = Path.of("/baton/locks");

    /** A request waiting in a queue; told through {@link #granted} when it reaches the head. */
    interface Waiter {
        Object session();

        void granted(String path, long token);
    }

    private static final class LockState {
        Object holder;
        long holderToken;
        long lastToken;
        final Deque<Waiter> queue = new ArrayDeque<>();
    }

    private final Map<Path, LockState> locks = new HashMap<>();

    /** Grants at once if the lock is free and nobody queues; returns the token, or -1. */
    synchronized long tryLock(Object session, String path) {
        LockState state = state(path);
        if (state.holder != null || !state.queue.isEmpty()) {
            return -1;
        }
        return grant(state, session);
    }

    /** Queues {@code waiter}, granting at once if the lock is free. */
    synchronized void enqueue(String path, Waiter waiter) {
        LockState state = state(path);
        state.queue.addLast(waiter);
        grantNext(path, state);
    }

    synchronized void withdraw(String path, Waiter waiter) {
        state(path).queue.remove(waiter);
    }

    synchronized void release(Object session, String path, long token) {
        LockState state = state(path);
        if (state.holder == session && state.holderToken == token) {
            state.holder = null;
            grantNext(path, state);
        }
    }

    /** Drops everything {@code session} holds or waits for. */
    synchronized void expire(Object session) {
        for (Map.Entry<Path, LockState> entry : locks.entrySet()) {
            LockState state = entry.getValue();
            state.queue.removeIf(w -> w.session() == session);
            if (state.holder == session) {
                state.holder = null;
                grantNext(entry.getKey().toString(), state);
            }
        }
    }

    synchronized Collection<String> entriesOutside() {
        List<String> outside = new ArrayList<>();
        for (Path path : locks.keySet()) {
            if (!path.normalize().startsWith(NAMESPACE) || path.normalize().equals(NAMESPACE)) {
                outside.add(path.toString());
            }
        }
        return outside;
    }

    private void grantNext(String path, LockState state) {
        if (state.holder == null && !state.queue.isEmpty()) {
            Waiter next = state.queue.pollFirst();
            next.granted(path, grant(state, next.session()));
        }
    }

    private long grant(LockState state, Object session) {
        state.holder = session;
        state.holderToken = ++state.lastToken;
        return state.holderToken;
    }

    private LockState state(String path) {
        return locks.computeIfAbsent(Path.of(path), p -> new LockState());
    }
}
