package dev.baton.txn.internal.protocol;

import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.TxnListener;
import dev.baton.txn.Vote;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's {@link TxnListener}, called so that nothing it throws reaches the protocol: what it
 * throws is logged (at WARN, once per method, then at DEBUG) and ignored.
 */
public final class SafeListener implements TxnListener {

    private static final Logger LOG = LoggerFactory.getLogger(SafeListener.class);

    private final TxnListener listener;
    private volatile boolean warned;

    private SafeListener(TxnListener listener) {
        this.listener = listener;
    }

    /** {@code listener}, or a safe wrapper of it. */
    public static TxnListener of(TxnListener listener) {
        return listener == TxnListener.NONE || listener instanceof SafeListener ? listener : new SafeListener(listener);
    }

    @Override
    public void commitEnded(Path path, @Nullable Outcome outcome, @Nullable TransactionException failure,
            Duration latency) {
        call("commitEnded", () -> listener.commitEnded(path, outcome, failure, latency));
    }

    @Override
    public void finished(Path path, Outcome outcome) {
        call("finished", () -> listener.finished(path, outcome));
    }

    @Override
    public void tookOver(Path path, String txnId) {
        call("tookOver", () -> listener.tookOver(path, txnId));
    }

    @Override
    public void prepared(String participant, Vote vote, Duration took) {
        call("prepared", () -> listener.prepared(participant, vote, took));
    }

    @Override
    public void applied(String participant, TransactionState decision, Duration took) {
        call("applied", () -> listener.applied(participant, decision, took));
    }

    private void call(String method, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException | LinkageError e) {
            if (!warned) {
                warned = true;
                LOG.warn("the transaction listener {} threw from {}; ignored (further throws are logged at DEBUG)",
                        listener, method, e);
            } else {
                LOG.debug("the transaction listener {} threw from {}; ignored", listener, method, e);
            }
        }
    }

    /** Nanoseconds since {@code startedNanos}, as a duration. */
    public static Duration since(long startedNanos) {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }
}
