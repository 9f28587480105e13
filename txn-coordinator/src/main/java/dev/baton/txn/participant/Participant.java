package dev.baton.txn.participant;

import dev.baton.txn.Vote;
import java.util.Set;

/**
 * A resource that takes part in transactions: the service-provider interface a
 * {@link ParticipantHost} calls. {@link XaParticipant} implements it for any XA-capable database.
 *
 * <p>Every call of {@link #prepare} is an <em>attempt</em> with its own id
 * ({@link Branch#attempt()}), and a participant keys what it prepares by transaction id and
 * attempt. Normally a branch has one attempt. A second one happens when two running instances of
 * the same participant prepare the same branch at once: the vote names the attempt that counts,
 * the host commits only that one and aborts every other, so the work is never applied twice.
 *
 * <p>The host calls, for each branch:
 * <ol>
 *   <li>{@link #prepare} once (unless the decision is already known: then nothing is prepared);
 *   <li>after the decision, {@link #commit} for the attempt the YES vote named, and {@link #abort}
 *       for any other attempt it knows of, until the call returns normally. Both must be
 *       idempotent: a crash after applying and before the acknowledgement reached ZooKeeper makes
 *       the host call again after a restart; {@code abort} of an attempt that was never prepared,
 *       or is already gone, does nothing.
 * </ol>
 *
 * <p>Thread safety: implementations must allow calls for different branches at the same time, from
 * the host's worker threads. Calls for one branch are never concurrent within one host.
 */
public interface Participant {

    /**
     * Does the branch's work and makes it durable without making it visible (for a database:
     * {@code PREPARE TRANSACTION}), under the attempt's id, then votes. Return {@link Vote#yes()}
     * only once the prepared state survives a crash of this process; on {@link Vote#no} leave
     * nothing prepared.
     *
     * @param branch what to do, with the transaction id and the attempt id
     * @return the vote; an exception counts as a NO vote whose reason is the exception's message
     * @throws Exception if the work failed; the transaction then aborts
     */
    Vote prepare(Branch branch) throws Exception;

    /**
     * Makes a prepared attempt's effects permanent and visible. Idempotent.
     *
     * @param branch the branch, with the attempt the YES vote named
     * @throws Exception if it could not be done now; the host retries with a back-off, and never
     *     acknowledges before a call has returned normally
     */
    void commit(Branch branch) throws Exception;

    /**
     * Discards an attempt's effects, whether it was prepared, or never was (then it does nothing).
     * Idempotent.
     *
     * @param branch the branch, with the attempt to discard
     * @throws Exception if it could not be done now; the host retries with a back-off
     */
    void abort(Branch branch) throws Exception;

    /**
     * Every attempt this participant holds prepared, not yet committed or rolled back. Called when
     * a host starts, before it reads its inbox, and when a branch it did not prepare itself is
     * finished: so a participant that crashed between prepare and vote votes YES without doing
     * the work twice, and attempts whose transaction ended or vanished are rolled back. A
     * participant that prepares durably must implement it (XA: {@code recover()}); the default,
     * for participants without durable prepared state, returns an empty set.
     *
     * @param participant the name this participant is hosted under
     * @return the prepared attempts
     * @throws Exception if the resource cannot be asked now; the host retries with a back-off
     */
    default Set<BranchId> inDoubt(String participant) throws Exception {
        return Set.of();
    }
}
