package dev.baton.lock.redis;

import dev.baton.lock.LeaderElection;
import dev.baton.lock.LeaderInfo;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a listener who leads a Redis election: it reads the leader when the election's channel
 * announces a win or a resignation, and again when the leader's key would expire (a crashed
 * leader announces nothing), or a second after a read failed. Reads run on the client's upkeep
 * thread, one at a time; the listener is called on the callback thread, only when the term changes.
 *
 * <p>Thread-safe.
 */
final class RedisElectionObserver implements LeaderElection.Observation {

    private static final Logger LOG = LoggerFactory.getLogger(RedisElectionObserver.class);
    private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ScriptBackend backend;
    private final RedisElection election;
    private final String channel;
    private final Consumer<Optional<LeaderInfo>> listener;
    private final Runnable announced = this::refresh;
    private volatile boolean closed;
    private boolean reported; // guarded by this
    private long reportedTerm; // guarded by this
    private @Nullable ScheduledFuture<?> recheck; // guarded by this

    RedisElectionObserver(ScriptBackend backend, RedisElection election, String channel,
            Consumer<Optional<LeaderInfo>> listener) {
        this.backend = backend;
        this.election = election;
        this.channel = channel;
        this.listener = listener;
    }

    RedisElectionObserver start() {
        backend.wakeups().watch(channel, announced, backend.wakeups().mark(channel));
        refresh();
        return this;
    }

    /** Reads the leader on the upkeep thread; never blocks the caller (the subscriber thread, a timer). */
    private void refresh() {
        if (closed) {
            return;
        }
        try {
            backend.upkeep(() -> {
                read();
                return null;
            });
        } catch (RuntimeException e) {
            // the client is closing
        }
    }

    private synchronized void read() {
        if (closed) {
            return;
        }
        long next;
        try {
            RedisElection.Leader leader = election.inspect();
            report(leader == null ? null : leader.info());
            next = leader == null ? -1 : TimeUnit.MILLISECONDS.toNanos(Math.max(1, leader.pttl()) + 1);
        } catch (RuntimeException e) {
            LOG.debug("reading the leader of election '{}' failed; trying again", election.name(), e);
            next = RETRY_NANOS;
        }
        if (recheck != null) {
            recheck.cancel(false);
            recheck = null;
        }
        if (next > 0) {
            recheck = backend.runtime().schedule(this::refresh, next);
        }
    }

    // Callers hold the monitor.
    private void report(@Nullable LeaderInfo info) {
        long term = info == null ? -1 : info.term();
        if (reported && term == reportedTerm) {
            return;
        }
        reported = true;
        reportedTerm = term;
        Optional<LeaderInfo> now = Optional.ofNullable(info);
        backend.runtime().callback(() -> {
            if (!closed) {
                try {
                    listener.accept(now);
                } catch (RuntimeException e) {
                    LOG.warn("a listener of election '{}' threw; it keeps being called", election.name(), e);
                }
            }
        });
    }

    @Override
    public void close() {
        closed = true;
        backend.wakeups().unwatch(channel, announced);
        synchronized (this) {
            if (recheck != null) {
                recheck.cancel(false);
            }
        }
    }
}
