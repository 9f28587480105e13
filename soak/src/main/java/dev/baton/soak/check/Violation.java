package dev.baton.soak.check;

/**
 * What the checker found, by class. Classes marked {@code safety} break a promise of the lock or of
 * fencing; the others are reported apart (explained by a pause or a documented caveat, or a defect
 * that does not break safety).
 *
 * @param at when it happened (µs), which attributes it to a phase
 */
public record Violation(Kind kind, long at, String detail) {

    /** The classes. */
    public enum Kind {
        /** The fenced resource accepted a token older than one it had accepted before. */
        STALE_WRITE_ACCEPTED(true),
        /** A lease granted after another one returned got a token that is not greater. */
        TOKEN_ORDER(true),
        /** Two holders believed themselves valid at once, and neither a pause nor a data-losing fault explains it. */
        VALID_OVERLAP(true),
        /** As {@link #VALID_OVERLAP}, while the older holder was partitioned: it was told too late (issue 15, lost-on=session-lost). */
        VALID_OVERLAP_PARTITIONED(true),
        /** After a pause, the older holder checked {@code isValid()} and got true while another held the lock (issue 15: no local deadline). */
        STALE_BELIEF_AFTER_PAUSE(true),
        /** A lease's holder saw it invalid, or was overtaken, and {@code lost()} never completed. */
        LOST_MISSING(true),
        /** No lock was granted within the recovery timeout after a fault healed. */
        NO_PROGRESS(true),
        /** The run stopped early: a fault could not be injected or healed (a cluster that did not come back). */
        NEMESIS_ERROR(true),
        /** 2PC: the two banks together do not hold the money they opened with. */
        MONEY_NOT_CONSERVED(true),
        /** 2PC: a transaction's transfer row is in one bank and not the other: applied on one side only. */
        ONE_SIDED(true),
        /** 2PC: a caller was told COMMITTED and the banks do not both hold it, or ABORTED and one of them does. */
        OUTCOME_MISMATCH(true),
        /**
         * 2PC: a caller was told ABORTED and the transaction committed in both banks. Found by the
         * soak on the in-process XA path: a coordinator whose session ended while the reply to its
         * COMMIT decision was on its way, after a survivor had committed the branches and deleted
         * the decision (RELIABILITY.md, 2PC; {@code XaLostDecisionReplyTest}).
         */
        ABORTED_BUT_COMMITTED(true),
        /** 2PC: an account's balance disagrees with the transfer rows that touched it (a lost or partial write). */
        LEDGER_MISMATCH(true),
        /** 2PC: a transaction is still prepared in {@code pg_prepared_xacts} after healing and recovery. */
        PREPARED_LEFT(true),
        /** 2PC: a decision is still in ZooKeeper after healing and recovery: something stayed in doubt. */
        DECISION_LEFT(true),
        /** 2PC: the final state of the banks was not recorded, so nothing above could be checked. */
        FINAL_STATE_MISSING(true),
        /** 2PC: a caller was told the outcome is unknown ({@code OutcomeUnknownException}); the detail says how it ended. */
        OUTCOME_UNKNOWN(false),
        /** 2PC: {@code commit()} threw something other than {@code OutcomeUnknownException}. */
        COMMIT_FAILED(false),
        /** {@code tryAcquire} returned a lease whose {@code fencingToken()} threw: handed out already lost (issue 15). */
        LEASE_ALREADY_LOST(false),
        /** A pause of the holder let another take the lock: expected; its late writes must be refused. */
        PAUSE_OVERLAP(false),
        /** Redis lost the lease (restart without data, failover to a replica behind): the documented caveat. */
        DATA_LOSS_OVERLAP(false),
        /**
         * The servers failed over without the nemesis: a Sentinel took a slow master for a dead one.
         * Not Baton's doing, but it loses leases as an injected failover does, so overlaps after it
         * are {@link #DATA_LOSS_OVERLAP}s.
         */
        UNINJECTED_FAILOVER(false),
        /** A worker's client library logged at ERROR (a ZooKeeper watcher that throws while the client closes, issue 15). */
        WORKER_LOG_ERROR(false),
        /**
         * The older holder had called {@code LockClient.close()} with the lease held, and another was
         * granted the lock before the lease reported itself invalid: close frees the lock on the
         * server first. The holder gave the lock up, but its other threads still saw {@code isValid()} true.
         */
        OVERLAP_WHILE_CLOSING(false),
        /** A partition did not cut the worker: its proxies carried no connection (Curator's ensemble tracker, issue 15). */
        PROXY_BYPASS(false);

        private final boolean safety;

        Kind(boolean safety) {
            this.safety = safety;
        }

        public boolean safety() {
            return safety;
        }
    }
}
