package dev.baton.lock.spi;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.LeaderElection;
import dev.baton.lock.Leadership;
import dev.baton.lock.Lease;
import dev.baton.lock.LossReason;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * For backend implementers: an election whose candidacy is a lock the backend built (a mutex whose
 * holder's record carries the payload). Campaigning is acquiring it; the leadership is its lease.
 * The backend adds {@link #leader()}, {@link #observe} and {@link #withPayload}.
 *
 * <p>Thread-safe if the candidate lock is.
 */
public abstract class AbstractLeaderElection implements LeaderElection {

    private final String name;
    private final String payload;

    /**
     * @throws IllegalArgumentException if {@code payload} is not a valid payload
     */
    protected AbstractLeaderElection(String name, String payload) {
        this.name = name;
        this.payload = LeaderElection.checkPayload(payload);
    }

    /** The lock a candidate of this handle acquires; its node or record publishes {@link #payload()}. */
    protected abstract DistributedLock candidate();

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String payload() {
        return payload;
    }

    @Override
    public final Leadership campaign() throws InterruptedException {
        while (true) {
            Leadership won = leadership(candidate().acquire());
            if (won != null) {
                return won;
            }
        }
    }

    @Override
    public final Optional<Leadership> tryCampaign(Duration maxWait) throws InterruptedException {
        return candidate().tryAcquire(maxWait).map(this::leadership);
    }

    @Override
    public final CompletableFuture<Leadership> campaignAsync() {
        CampaignFuture result = new CampaignFuture();
        request(result);
        return result;
    }

    private void request(CampaignFuture result) {
        CompletableFuture<Lease> request = candidate().acquireAsync();
        result.pending = request;
        if (result.isCancelled()) {
            request.cancel(false);
        }
        request.whenComplete((lease, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
                return;
            }
            Leadership won = leadership(lease);
            if (won == null) {
                request(result);
            } else if (!result.complete(won)) {
                lease.release();
            }
        });
    }

    /** The lease as a leadership; null if it was lost before it could be handed out (then campaign again). */
    private @Nullable Leadership leadership(Lease lease) {
        try {
            return new LeaseLeadership(lease, payload);
        } catch (IllegalStateException lostAlready) {
            return null;
        }
    }

    /** Cancelling it withdraws the candidacy: the lock's own cancel releases a grant that raced it. */
    private static final class CampaignFuture extends CompletableFuture<Leadership> {
        private volatile @Nullable CompletableFuture<Lease> pending;

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            CompletableFuture<Lease> request = pending;
            if (cancelled && request != null) {
                request.cancel(mayInterruptIfRunning);
            }
            return cancelled;
        }
    }

    @Override
    public String toString() {
        return "LeaderElection[" + name + "]";
    }

    /** A lease, seen as a leadership. */
    private static final class LeaseLeadership implements Leadership {
        private final Lease lease;
        private final String payload;
        private final long term;

        LeaseLeadership(Lease lease, String payload) {
            this.lease = lease;
            this.payload = payload;
            this.term = lease.fencingToken();
            // A leader must hear of its record vanishing even if nobody asks: on ZooKeeper this
            // sets the watch on its own node that lost() otherwise sets on demand.
            lease.lost();
        }

        @Override
        public long term() {
            return term;
        }

        @Override
        public String payload() {
            return payload;
        }

        @Override
        public String lockName() {
            return lease.lockName();
        }

        @Override
        public long fencingToken() {
            return lease.fencingToken();
        }

        @Override
        public boolean isValid() {
            return lease.isValid();
        }

        @Override
        public CompletableFuture<LossReason> lost() {
            return lease.lost();
        }

        @Override
        public void release() {
            lease.release();
        }

        @Override
        public void close() {
            lease.release();
        }

        @Override
        public String toString() {
            return "Leadership[" + lease.lockName() + ", term=" + term + ", " + (isValid() ? "LEADING" : "ENDED") + "]";
        }
    }
}
