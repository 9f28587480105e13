package dev.baton.txn.internal.store;

import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** Transaction ids and participant names: how they are made and checked. */
public final class TxnNames {

    /**
     * A flat token that is never {@code .}/{@code ..}; at most 48 bytes, so that with ':' and an
     * attempt id it fits an XA branch qualifier (64 bytes).
     */
    private static final Pattern PARTICIPANT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,47}");
    private static final Pattern ATTEMPT = Pattern.compile("[0-9a-f]{12}");
    private static final Pattern TXN_ID = Pattern.compile("tx-[0-9a-f]{12}-[0-9a-f]{16}");

    private TxnNames() {
    }

    /**
     * A new transaction id: the creation time in milliseconds and 64 random bits, in hex, so ids
     * sort roughly by age and two coordinators never pick the same one in practice (the begin write
     * would fail rather than mix two transactions if they did).
     */
    public static String newTxnId(long nowMillis) {
        return String.format("tx-%012x-%016x", nowMillis & 0xffff_ffff_ffffL, ThreadLocalRandom.current().nextLong());
    }

    /** The creation time in a transaction id, in epoch milliseconds (by its coordinator's clock). */
    public static long createdMillis(String txnId) {
        if (!isTxnId(txnId)) {
            throw new IllegalArgumentException("'" + txnId + "' is not a transaction id");
        }
        return Long.parseLong(txnId.substring(3, 15), 16);
    }

    /** A new prepare attempt id: 48 random bits in hex. */
    public static String newAttempt() {
        return String.format("%012x", ThreadLocalRandom.current().nextLong() & 0xffff_ffff_ffffL);
    }

    public static boolean isAttempt(String attempt) {
        return ATTEMPT.matcher(attempt).matches();
    }

    public static boolean isTxnId(String id) {
        return TXN_ID.matcher(id).matches();
    }

    /**
     * Checks a participant name.
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static String checkParticipant(String name) {
        if (name == null) {
            throw new NullPointerException("participant name");
        }
        if (!PARTICIPANT.matcher(name).matches()) {
            throw new IllegalArgumentException("participant name '" + name + "' is not 1 to 48 characters of"
                    + " [A-Za-z0-9_.-] not starting with '.'");
        }
        return name;
    }

    /**
     * Checks the name of an XA resource registered for the in-process path (the same rule as a
     * participant name: it is the branch qualifier of the resource's Xids).
     *
     * @throws IllegalArgumentException naming the problem
     */
    public static String checkResource(String name) {
        if (name == null) {
            throw new NullPointerException("resource name");
        }
        if (!PARTICIPANT.matcher(name).matches()) {
            throw new IllegalArgumentException("resource name '" + name + "' is not 1 to 48 characters of"
                    + " [A-Za-z0-9_.-] not starting with '.'");
        }
        return name;
    }
}
