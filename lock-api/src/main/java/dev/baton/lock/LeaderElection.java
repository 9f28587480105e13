package dev.baton.lock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A named leader election: among all candidates of all clients, at most one holds a valid
 * {@link Leadership} at a time.
 *
 * <pre>{@code
 * LeaderElection election = locks.election("billing").withPayload("10.0.0.7:8080");
 * try (Leadership leader = election.campaign()) {
 *     leader.lost().thenRun(worker::stop);
 *     worker.runAsLeader(leader.term());
 * }
 * }</pre>
 *
 * <p>A campaign is a request for the election's lease, with the same three forms as
 * {@link DistributedLock}: {@link #campaign()} waits, {@link #tryCampaign(Duration)} gives up after a
 * wait, {@link #campaignAsync()} parks no thread and is withdrawn by cancelling it. Resigning (or
 * closing) a leadership hands it to the next candidate at once; a crashed leader's leadership ends
 * with its ZooKeeper session or its Redis lease time.
 *
 * <p>{@link #leader()} and {@link #observe} tell anyone, candidate or not, who leads. ZooKeeper
 * candidates queue (each watching only its predecessor); observers watch the queue, with no polling.
 * Redis candidates contend for one key, and observers are told on pub/sub when a leader wins or
 * resigns, and check again when the leader's key would expire.
 *
 * <p>Handles are cheap and immutable; thread-safe.
 */
public interface LeaderElection {

    /** The largest payload, in UTF-8 bytes. */
    int MAX_PAYLOAD_BYTES = 1024;

    /** The election's name, unencoded. */
    String name();

    /** The payload this handle's campaigns publish; empty by default. */
    String payload();

    /**
     * A handle on the same election whose campaigns publish {@code payload} (an address, an id)
     * for {@link #leader()} and observers to read. Nothing is sent here.
     *
     * @throws NullPointerException if {@code payload} is null
     * @throws IllegalArgumentException if it is longer than {@link #MAX_PAYLOAD_BYTES} in UTF-8, or
     *     is not well-formed UTF-16
     */
    LeaderElection withPayload(String payload);

    /**
     * Waits until this candidate leads.
     *
     * @throws InterruptedException if interrupted while waiting; the candidacy is withdrawn first
     * @throws LockException if the backend fails, or the client is closed
     */
    Leadership campaign() throws InterruptedException;

    /**
     * Campaigns for at most {@code maxWait} ({@link Duration#ZERO}: one attempt, which never queues
     * behind a leader).
     *
     * @return the leadership, or empty if someone else led for the whole wait
     * @throws NullPointerException if {@code maxWait} is null
     * @throws IllegalArgumentException if {@code maxWait} is negative
     * @throws InterruptedException if interrupted while waiting; the candidacy is withdrawn first
     * @throws LockException as for {@link #campaign()}
     */
    Optional<Leadership> tryCampaign(Duration maxWait) throws InterruptedException;

    /**
     * Campaigns without blocking. Cancelling the future withdraws the candidacy; a leadership won
     * at the same moment is resigned.
     *
     * @return a future of the leadership, completed on the client's callback thread, or
     *     exceptionally with a {@link LockException}
     */
    CompletableFuture<Leadership> campaignAsync();

    /**
     * Who leads now. Blocking: one or two reads.
     *
     * @return the leader, or empty if nobody leads
     * @throws LockException if the backend cannot be read
     */
    Optional<LeaderInfo> leader();

    /**
     * Tells {@code listener} who leads now, and again on every change of leader (a new term, or
     * nobody), until the returned observation is closed. Calls come one at a time on the client's
     * callback thread, in order; a listener must not block. A change may be reported late (while
     * the connection is down) but never out of order; two changes in quick succession may be
     * reported as one.
     *
     * @throws NullPointerException if {@code listener} is null
     * @throws IllegalStateException if the client is closed
     */
    Observation observe(Consumer<Optional<LeaderInfo>> listener);

    /** An observation of an election's leader; closing it stops the calls. Idempotent. */
    interface Observation extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Checks a payload as {@link #withPayload} does.
     *
     * @return {@code payload}
     * @throws NullPointerException if it is null
     * @throws IllegalArgumentException if it is too long or malformed
     */
    static String checkPayload(String payload) {
        Objects.requireNonNull(payload, "payload");
        for (int i = 0; i < payload.length(); i++) {
            char c = payload.charAt(i);
            if (Character.isHighSurrogate(c) && (i + 1 == payload.length()
                    || !Character.isLowSurrogate(payload.charAt(i + 1)))
                    || Character.isLowSurrogate(c) && (i == 0 || !Character.isHighSurrogate(payload.charAt(i - 1)))) {
                throw new IllegalArgumentException("the leader payload is not well-formed UTF-16 at index " + i);
            }
        }
        int bytes = payload.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("the leader payload is " + bytes + " bytes in UTF-8; at most "
                    + MAX_PAYLOAD_BYTES + " are allowed (publish an address or id, not data)");
        }
        return payload;
    }
}
