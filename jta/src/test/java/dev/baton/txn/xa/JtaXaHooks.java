package dev.baton.txn.xa;

import dev.baton.txn.internal.protocol.StepListener;

/**
 * Test bridge, for baton-jta's tests, to the package-private step hook of
 * {@link XaTransactions.Builder} (txn-coordinator's own tests use their {@code XaHooks}, which is
 * not on this module's class path). Same package, other jar: it works on the class path, where
 * every test runs.
 */
public final class JtaXaHooks {

    private JtaXaHooks() {
    }

    /** Tells {@code steps} of every step of every commit of the transactions {@code builder} starts. */
    public static void steps(XaTransactions.Builder builder, StepListener steps) {
        builder.steps(steps);
    }
}
