package dev.baton.txn.xa;

import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.TxnStore;
import org.jspecify.annotations.Nullable;

/**
 * Test bridge to the package-private hooks of {@link XaTransactions.Builder} and of the service
 * behind an {@link XaTransactions}.
 */
public final class XaHooks {

    private XaHooks() {
    }

    public static XaTransactions.Builder steps(XaTransactions.Builder builder, StepListener steps) {
        return builder.steps(steps);
    }

    /** Sets how long recovery keeps a decision it finished (for every instance in this JVM); returns the old value. */
    public static java.time.Duration decisionRetention(java.time.Duration value) {
        java.time.Duration old = XaRecovery.decisionRetention();
        System.setProperty(XaRecovery.RETENTION_PROPERTY, Long.toString(value.toMillis()));
        return old;
    }

    public static XaTransactions.Builder parallelUpTo(XaTransactions.Builder builder, int value) {
        return builder.parallelUpTo(value);
    }

    public static XaTransactions.Builder resend(XaTransactions.Builder builder, TxnStore.Resend resend) {
        return builder.resend(resend);
    }

    /** Asks for this session's live node as recovery's scan does when it finds none ({@link XaCore#ensureOwner}). */
    public static void ensureOwner(XaTransactions xa) {
        xa.core().ensureOwner();
    }

    /** How many undecided branches of gone owners this instance's recovery has seen and waits out the grace of. */
    public static int waitingOutGrace(XaTransactions xa) {
        return xa.core().recovery.waitingOutGrace();
    }

    /** The live node that transactions begun now name, or null while this session has none. */
    public static @Nullable String owner(XaTransactions xa) {
        return xa.core().owner();
    }
}
