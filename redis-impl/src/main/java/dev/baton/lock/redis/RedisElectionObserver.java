package dev.baton.lock.redis;

import dev.baton.lock.LeaderElection;
import dev.baton.lock.LeaderInfo;
import dev.baton.lock.spi.LeaderReports;
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
    private final LeaderReports reports;
    private final Runnable announced = this::refresh;
    private @Nullable ScheduledFuture<?> recheck; // guarded by this

    RedisElectionObserver(ScriptBackend backend, RedisElection election, String channel,
            Consumer<Optional<LeaderInfo>> listener) {
        this.backend = backend;
        this.election = election;
        this.channel = channel;
        this.reports = new LeaderReports(election.name(), listener, backend.runtime()::callback);
    }

    RedisElectionObserver start() {
        backend.wakeups().watch(channel, announced, backend.wakeups().mark(channel));
        refresh();
        return this;
    }

    /** Reads the leader on the upkeep thread; never blocks the caller (the subscriber thread, a timer). */
    private void refresh() {
        if (reports.isClosed()) {
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
        if (reports.isClosed()) {
            return;
        }
        long next;
        try {
            RedisElection.Leader leader = election.inspect();
            reports.report(Optional.ofNullable(leader == null ? null : leader.info()));
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

    @Override
    public void close() {
        reports.close();
        backend.wakeups().unwatch(channel, announced);
        synchronized (this) {
            if (recheck != null) {
                recheck.cancel(false);
            }
        }
    }
}
