package dev.baton.lock.zookeeper.internal;

import dev.baton.lock.LockException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.zookeeper.KeeperException.Code;
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
        List<Reader> cohort;
        synchronized (this) {
            Pending pending = byPath.computeIfAbsent(lockPath, path -> new Pending());
            pending.waiting.add(reader);
            if (pending.inFlight) {
                return;
            }
            pending.inFlight = true;
            cohort = pending.take();
        }
        send(lockPath, cohort);
    }

    private void send(String lockPath, List<Reader> cohort) {
        try {
            session.children(lockPath, (code, children) -> answered(lockPath, cohort, code, children));
        } catch (LockException e) {
            // Not inline: the caller may hold its attempt's monitor, and the cohort holds others.
            engine.deliver(() -> answered(lockPath, cohort, Code.CONNECTIONLOSS, null));
            return;
        }
        sent.incrementAndGet();
    }

    private void answered(String lockPath, List<Reader> cohort, Code code, @Nullable List<String> children) {
        List<Reader> next = null;
        synchronized (this) {
            Pending pending = byPath.get(lockPath);
            if (pending.waiting.isEmpty()) {
                byPath.remove(lockPath);
            } else {
                next = pending.take();
            }
        }
        if (next != null) {
            send(lockPath, next);
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
        List<Reader> waiting = new ArrayList<>(1);

        List<Reader> take() {
            List<Reader> taken = waiting;
            waiting = new ArrayList<>(1);
            return taken;
        }
    }
}
