package dev.baton.lock.spi;

import dev.baton.lock.LeaderInfo;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * For backend implementers: what an election observer tells its listener. Only changes are
 * reported (a new term, or nobody leading), through the client's callback executor, so a
 * single-threaded executor keeps them in order; a listener that throws is logged and called again
 * at the next change; nothing is reported once closed.
 *
 * <p>Thread-safe.
 */
public final class LeaderReports {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderReports.class);
    private static final long NOBODY = -1;

    private final String election;
    private final Consumer<Optional<LeaderInfo>> listener;
    private final Executor callbacks;
    private volatile boolean closed;
    private boolean reported; // guarded by this
    private long reportedTerm; // guarded by this

    /** @param callbacks where the listener is called; one thread, so that reports stay in order */
    public LeaderReports(String election, Consumer<Optional<LeaderInfo>> listener, Executor callbacks) {
        this.election = Objects.requireNonNull(election, "election");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
    }

    /** Reports {@code leader} (empty: nobody leads) if it differs from the last report. */
    public synchronized void report(Optional<LeaderInfo> leader) {
        long term = leader.map(LeaderInfo::term).orElse(NOBODY);
        if (closed || (reported && term == reportedTerm)) {
            return;
        }
        reported = true;
        reportedTerm = term;
        callbacks.execute(() -> {
            if (closed) {
                return;
            }
            try {
                listener.accept(leader);
            } catch (RuntimeException e) {
                LOG.warn("a listener of election '{}' threw; it keeps being called", election, e);
            }
        });
    }

    /** Stops the reports, also those already handed to the executor. Idempotent. */
    public void close() {
        closed = true;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }
}
