package dev.baton.lock;

import java.util.Objects;

/**
 * What a backend shows about one read-write lock, semaphore or election right now, for operators
 * ({@code baton locks}). A snapshot: it may be stale by the time it is read.
 *
 * @param kind which recipe
 * @param name its name, decoded
 * @param holders read-write lock: the readers holding it, or 1 for a writer; semaphore: permits in
 *     use; election: 1 while someone leads
 * @param limit semaphore: its permits; election: 1; read-write lock: -1 (readers are not limited)
 * @param waiters requests queued behind the holders (ZooKeeper), or writers waiting (Redis read-write
 *     lock); -1 where the backend keeps no queue
 * @param fencingToken the newest token among the holders (the leader's term), or the last handed out
 *     where the backend keeps only that (Redis)
 * @param detail read-write lock: {@code read} or {@code write}; election: the leader's payload;
 *     semaphore: empty
 */
public record CoordinationInfo(Kind kind, String name, int holders, int limit, int waiters, long fencingToken,
        String detail) {

    /** The recipes {@link LockInspection#coordination} lists. */
    public enum Kind {
        /** {@link LockClient#readWriteLock}. */
        READ_WRITE_LOCK,
        /** {@link LockClient#semaphore}. */
        SEMAPHORE,
        /** {@link LockClient#election}. */
        ELECTION
    }

    /** Checks the fields. */
    public CoordinationInfo {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(detail, "detail");
    }
}
