package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LockException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.Watcher;
import org.jspecify.annotations.Nullable;

/**
 * Reads of lock queues, shared between the attempts of one client. An attempt needs a read that
 * the server answers after its own create (or after the event it reacts to); on one session any
 * read <em>sent</em> later qualifies, since a session is FIFO. So while a read of a queue is in
 * flight, further requests for that queue wait, and one read sent when it returns answers them
 * all. A burst of n {@code acquireAsync} calls then costs a handful of reads instead of n reads of
 * up to n names each (quadratic in time, server bandwidth and client memory), and so does the
 * resync of every waiter after a reconnection.
 */
final class QueueReads {

    /** What an attempt is told: the read's result code and, when it is OK, the queue. */
    interface Reader {
        void listed(Code code, @Nullable QueueListing listing);
    }

    private final Session session;
    private final LockEngine engine;
    private final Map<String, Pending> byPath = new HashMap<>(); // guarded by this
    private final AtomicLong sent = new AtomicLong();

    QueueReads(Session session, LockEngine engine) {
        this.session = session;
        this.engine = engine;
    }

    /** Reads the queue at {@code lockPath} for {@code reader}, with a read sent after this call. */
    void read(String lockPath, Reader reader) {
        read(lockPath, null, reader);
    }

    /**
     * As {@link #read(String, Reader)}; if {@code watcher} is not null, the read also watches the
     * children with it (all readers of a queue that is watched pass the same watcher).
     */
    void read(String lockPath, @Nullable Watcher watcher, Reader reader) {
        List<Reader> cohort;
        Watcher watching;
        synchronized (this) {
            Pending pending = byPath.computeIfAbsent(lockPath, path -> new Pending());
            pending.waiting.add(reader);
            if (watcher != null) {
                pending.watcher = watcher;
            }
            if (pending.inFlight) {
                return;
            }
            pending.inFlight = true;
            cohort = pending.take();
            watching = pending.watcher;
        }
        send(lockPath, cohort, watching);
    }

    private void send(String lockPath, List<Reader> cohort, @Nullable Watcher watcher) {
        try {
            if (watcher == null) {
                session.children(lockPath, (code, children) -> answered(lockPath, cohort, code, children));
            } else {
                session.watchChildren(lockPath, watcher, (code, children) -> answered(lockPath, cohort, code, children));
            }
        } catch (LockException e) {
            // Not inline: the caller may hold its attempt's monitor, and the cohort holds others.
            engine.deliver(() -> answered(lockPath, cohort, Code.CONNECTIONLOSS, null));
            return;
        }
        sent.incrementAndGet();
    }

    private void answered(String lockPath, List<Reader> cohort, Code code, @Nullable List<String> children) {
        List<Reader> next = null;
        Watcher watcher = null;
        synchronized (this) {
            Pending pending = byPath.get(lockPath);
            if (pending.waiting.isEmpty()) {
                byPath.remove(lockPath);
            } else {
                next = pending.take();
                watcher = pending.watcher;
            }
        }
        if (next != null) {
            send(lockPath, next, watcher);
        }
        QueueListing listing = code == Code.OK && children != null ? new QueueListing(children) : null;
        for (Reader reader : cohort) {
            reader.listed(code, listing);
        }
    }

    /** Reads sent so far, for tests. */
    long sent() {
        return sent.get();
    }

    private static final class Pending {
        boolean inFlight;
        @Nullable Watcher watcher;
        List<Reader> waiting = new ArrayList<>(1);

        List<Reader> take() {
            List<Reader> taken = waiting;
            waiting = new ArrayList<>(1);
            return taken;
        }
    }
}
