package dev.baton.lock.spi;

import dev.baton.lock.LossReason;
import java.util.concurrent.CompletableFuture;

/**
 * For backends whose {@link dev.baton.lock.Lease#lost()} costs something beyond a future (the
 * ZooKeeper backend starts watching the lease's node on the first call, a request and a
 * notification per lease). A {@link dev.baton.lock.LockListener} wrapper then watches this signal
 * instead, so observing a client never changes what it sends to the server.
 *
 * <p>Implemented by {@link dev.baton.lock.Lease} implementations; thread-safe.
 */
public interface LossSignal {

    /**
     * A future that completes, like {@code lost()}, with the reason of every loss the backend
     * detects without being asked (connection, session, client closed); a loss it detects only
     * because someone called {@code lost()} completes it too. Asks the backend for nothing. Each call
     * returns a copy.
     */
    CompletableFuture<LossReason> lossSignal();
}
