package dev.baton.txn.internal.store;


/**
 * The data of the history node, {@code txn-history}: how far the history has been trimmed, as the
 * newest creation time (the milliseconds in a transaction id, {@link TxnNames#createdMillis}) of
 * any transaction whose entry was ever deleted, by the keeper's trim or by {@code forget}.
 *
 * <pre>
 * baton-history=1
 * trimmed-through=&lt;epoch ms&gt;
 * </pre>
 *
 * <p>It only grows, and it is written in the same {@code multi} as the deletes, so a transaction
 * created after it that is in neither {@code txn/} nor the history never finished: the history
 * still holds every finished transaction that young. This is what lets a coordinator whose begin
 * reply was lost tell "never begun" from "finished and dropped from the history". Both numbers come
 * from the clocks of the coordinators that created the ids; none is compared with a reader's clock,
 * so skew can only make the answer "unknown" more often, never wrong. An empty node (a history
 * never trimmed) reads as 0.
 */
public record HistoryMark(long trimmedThrough) {

    public static final HistoryMark NONE = new HistoryMark(0);

    private static final String FORMAT = "baton-history";

    /** The mark after also deleting the entry of {@code txnId}. */
    public HistoryMark including(String txnId) {
        return new HistoryMark(Math.max(trimmedThrough, TxnNames.createdMillis(txnId)));
    }

    /** Whether the history holds every finished transaction as young as {@code txnId}. */
    public boolean holdsAllFrom(String txnId) {
        return TxnNames.createdMillis(txnId) > trimmedThrough;
    }
}
