package dev.baton.txn.participant;

import dev.baton.txn.internal.protocol.StepListener;
import dev.baton.txn.internal.store.TxnStore;
import java.time.Duration;

/**
 * The test hooks of {@link ParticipantHost}, which are package-private, for tests in other
 * packages. Test code only: no hook is public in the library.
 */
public final class HostHooks {

    private HostHooks() {
    }

    public static ParticipantHost.Builder steps(ParticipantHost.Builder builder, StepListener steps) {
        return builder.steps(steps);
    }

    public static ParticipantHost.Builder resend(ParticipantHost.Builder builder, TxnStore.Resend resend) {
        return builder.resend(resend);
    }

    public static ParticipantHost.Builder withoutPersistentWatches(ParticipantHost.Builder builder) {
        return builder.withoutPersistentWatches();
    }

    public static Duration abortGrace(ParticipantHost host) {
        return host.abortGrace();
    }
}
