package dev.baton.txn.xa;

import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.TxnStore;

/** Test bridge to the package-private hooks of {@link XaTransactions.Builder}. */
public final class XaHooks {

    private XaHooks() {
    }

    public static XaTransactions.Builder steps(XaTransactions.Builder builder, StepListener steps) {
        return builder.steps(steps);
    }

    public static XaTransactions.Builder resend(XaTransactions.Builder builder, TxnStore.Resend resend) {
        return builder.resend(resend);
    }
}
