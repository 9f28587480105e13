package dev.baton.txn.internal.store;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's start, step by step, sent again on a new connection or session when one fails with
 * a lost connection or an expired session, as Curator's recipes do: the client's own
 * {@link RetryPolicy} says how often and how long to wait, and each retry first waits up to the
 * connection timeout for the client to be connected again. Every step must be safe to send again
 * (it creates what is missing, or registers for the current session).
 *
 * <p>One instance per start; the policy's retry count runs across its steps.
 */
public final class StartSteps {

    private static final Logger LOG = LoggerFactory.getLogger(StartSteps.class);

    private final CuratorFramework curator;
    private final long stepTimeoutMillis;
    private final long startedNanos = System.nanoTime();
    private int retries;

    /**
     * @param stepTimeoutMillis how long one attempt of one step may take before the start fails
     */
    public StartSteps(CuratorFramework curator, long stepTimeoutMillis) {
        this.curator = curator;
        this.stepTimeoutMillis = stepTimeoutMillis;
    }

    /**
     * Runs {@code step} until it succeeds, fails for a reason other than the connection, or the
     * client's retry policy gives up.
     *
     * @return the step's result
     * @throws Exception what the step's last attempt failed with (its cause, unwrapped), or a
     *     {@link TimeoutException} if an attempt took longer than the step timeout
     */
    public <T> T run(Supplier<CompletableFuture<T>> step) throws Exception {
        while (true) {
            Exception failure;
            try {
                return step.get().get(stepTimeoutMillis, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                Throwable cause = TxnStore.unwrap(e);
                if (!(cause instanceof Exception)) {
                    throw e;
                }
                failure = (Exception) cause;
            }
            if (!ZkErrors.isAmbiguous(failure) || !retryAfter(failure)) {
                throw failure;
            }
        }
    }

    /** Whether to try again: the policy allows it (after its sleep) and the client connected again. */
    private boolean retryAfter(Exception failure) throws InterruptedException {
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
        RetryPolicy policy = curator.getZookeeperClient().getRetryPolicy();
        if (!policy.allowRetry(retries++, elapsed, (time, unit) -> unit.sleep(time))) {
            return false;
        }
        LOG.debug("a start step failed ({}); trying again on the client's next connection", failure.toString());
        return curator.blockUntilConnected(curator.getZookeeperClient().getConnectionTimeoutMs(),
                TimeUnit.MILLISECONDS);
    }
}
