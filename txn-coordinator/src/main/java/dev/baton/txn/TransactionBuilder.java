package dev.baton.txn;

import dev.baton.txn.internal.store.TxnNames;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A transaction being put together: its branches and its timeout, then {@link #commit()} or
 * {@link #commitAsync()}. Nothing is written to ZooKeeper before one of those is called, and
 * nothing at all if it rejects the transaction.
 *
 * <pre>{@code
 * Outcome outcome = coordinator.begin()
 *         .branch("ledger-a", debit)
 *         .branch("ledger-b", credit)
 *         .timeout(Duration.ofSeconds(5))
 *         .commit();
 * }</pre>
 *
 * <p>Thread safety: not thread-safe; build and commit a transaction on one thread. Each builder
 * commits at most once.
 */
public final class TransactionBuilder {

    /** The largest payload of one branch, in bytes. */
    public static final int MAX_PAYLOAD_BYTES = 256 * 1024;

    /**
     * The largest sum of all branches' payloads, in bytes: the begin is one ZooKeeper request, and
     * ZooKeeper refuses requests over 1 MiB by default ({@code jute.maxbuffer}).
     */
    public static final int MAX_TOTAL_PAYLOAD_BYTES = 512 * 1024;

    /** The most branches (participants) in one transaction. */
    public static final int MAX_BRANCHES = 64;

    private final TransactionCoordinator coordinator;
    private final Map<String, byte[]> branches = new LinkedHashMap<>();
    private Duration timeout;
    private int totalBytes;
    private boolean committed;

    TransactionBuilder(TransactionCoordinator coordinator, Duration defaultTimeout) {
        this.coordinator = coordinator;
        this.timeout = defaultTimeout;
    }

    /**
     * Adds participant {@code participant}'s branch: {@code payload} is what its
     * {@link Participant#prepare} receives in {@link Branch#payload()}. The array is copied.
     *
     * @return this builder
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if the name is malformed (1 to 48 characters of
     *     {@code [A-Za-z0-9_.-]}, not starting with '.'), the participant already has a branch, the
     *     payload is over {@link #MAX_PAYLOAD_BYTES}, the payloads together are over
     *     {@link #MAX_TOTAL_PAYLOAD_BYTES}, or there would be more than {@link #MAX_BRANCHES} branches
     */
    public TransactionBuilder branch(String participant, byte[] payload) {
        TxnNames.checkParticipant(participant);
        Objects.requireNonNull(payload, "payload");
        if (branches.containsKey(participant)) {
            throw new IllegalArgumentException("participant '" + participant + "' already has a branch in this"
                    + " transaction; put all of its work in one payload");
        }
        if (payload.length > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("the payload for participant '" + participant + "' is " + payload.length
                    + " bytes; the limit is " + MAX_PAYLOAD_BYTES);
        }
        if (totalBytes + payload.length > MAX_TOTAL_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("the payloads together would be " + (totalBytes + payload.length)
                    + " bytes; the limit for one transaction is " + MAX_TOTAL_PAYLOAD_BYTES);
        }
        if (branches.size() == MAX_BRANCHES) {
            throw new IllegalArgumentException("a transaction has at most " + MAX_BRANCHES + " branches");
        }
        branches.put(participant, payload.clone());
        totalBytes += payload.length;
        return this;
    }

    /**
     * How long the transaction may take to gather every vote: past this deadline the coordinator
     * decides ABORT, and a participant that voted YES and sees no decision past the deadline plus
     * its grace period decides ABORT itself. Defaults to the coordinator's default timeout.
     *
     * @return this builder
     * @throws NullPointerException if {@code value} is null
     * @throws IllegalArgumentException if {@code value} is zero or negative
     */
    public TransactionBuilder timeout(Duration value) {
        Objects.requireNonNull(value, "timeout");
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("the timeout must be positive, but is " + value);
        }
        timeout = value;
        return this;
    }

    /**
     * Runs the transaction and waits for the decision. The decision is final when this returns;
     * participants apply it on their own (one that is down applies it when it comes back).
     *
     * @return the outcome: COMMITTED or ABORTED, why, and the votes
     * @throws IllegalStateException if there is no branch or this builder has committed before
     *     (nothing is written)
     * @throws ParticipantUnavailableException (a {@link TransactionException}) if a participant was
     *     never registered or has no live instance, its {@link ParticipantUnavailableException#reason()}
     *     saying which (nothing is written)
     * @throws TransactionException if ZooKeeper failed or the coordinator was closed; the
     *     transaction, if it was begun, is still finished atomically by some coordinator instance.
     *     An {@link OutcomeUnknownException} means it may have been begun; any other means nothing
     *     was written. A begin whose reply was lost and that ZooKeeper then shows never took effect
     *     is not reported but begun again under a new id (at most 3 begins, before the timeout):
     *     the outcome's {@link Outcome#txnId()} is the one that took effect
     * @throws InterruptedException if interrupted while waiting; the transaction goes on
     */
    public Outcome commit() throws InterruptedException {
        try {
            return coordinator.commitHere(take(), timeout).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            throw new TransactionException("unexpected failure: " + cause, cause);
        }
    }

    /**
     * Runs the transaction without blocking. The future completes, on a coordinator thread that
     * does nothing else, with the outcome once decided; or fails with the exceptions listed for
     * {@link #commit()}. Cancelling the future does not stop the transaction.
     *
     * @throws IllegalStateException if there is no branch or this builder has committed before
     */
    public CompletableFuture<Outcome> commitAsync() {
        return coordinator.submit(take(), timeout);
    }

    private Map<String, byte[]> take() {
        if (committed) {
            throw new IllegalStateException("this transaction has been committed already; call begin() for another");
        }
        if (branches.isEmpty()) {
            throw new IllegalStateException("a transaction needs at least one branch: call branch(participant, payload)"
                    + " before commit; nothing was written");
        }
        committed = true;
        return new LinkedHashMap<>(branches);
    }
}
