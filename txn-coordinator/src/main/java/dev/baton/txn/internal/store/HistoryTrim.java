package dev.baton.txn.internal.store;

import java.util.List;

/**
 * Entries of the history to delete in one write, with the history's mark raised past them, written
 * in the same {@code multi} if the history node still has {@code markVersion} (a concurrent
 * {@code forget} elsewhere makes the write fail, and the next trim reads the mark again).
 */
public record HistoryTrim(List<String> victims, HistoryMark mark, int markVersion) {

    /** Nothing to trim. */
    public static final HistoryTrim NONE = new HistoryTrim(List.of(), HistoryMark.NONE, -1);

    public HistoryTrim {
        victims = List.copyOf(victims);
    }
}
