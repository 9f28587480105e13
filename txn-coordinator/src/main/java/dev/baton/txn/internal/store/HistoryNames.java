package dev.baton.txn.internal.store;

import java.time.Instant;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The names of history entries, {@code txn-history/<finished>-<txnId>}, which sort by the time the
 * transaction finished ({@code <finished>} is 12 hex digits of epoch milliseconds). Their content
 * is an outcome in {@link TxnCodec}'s format.
 */
public final class HistoryNames {

    private static final Pattern NAME = Pattern.compile("([0-9a-f]{12})-(tx-[0-9a-f]{12}-[0-9a-f]{16})");

    private HistoryNames() {
    }

    /** The entry's name for a transaction that finished at {@code finished}. */
    public static String name(String txnId, Instant finished) {
        return String.format("%012x-%s", finished.toEpochMilli() & 0xffff_ffff_ffffL, txnId);
    }

    /** Whether {@code name} is an entry's name (rather than a foreign node). */
    public static boolean isEntry(String name) {
        return NAME.matcher(name).matches();
    }

    /** The transaction id in an entry's name, or null if {@code name} is not an entry's. */
    public static @Nullable String txnId(String name) {
        Matcher matcher = NAME.matcher(name);
        return matcher.matches() ? matcher.group(2) : null;
    }
}
