package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link CallerRuns}: a blocking request's work runs on the thread that waits for it, and none is lost. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class CallerRunsTest {

    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopExecutor() {
        other.shutdownNow();
    }

    @Test
    void tasksGivenWhileTheCallerWaitsRunOnTheCallersThread() throws Exception {
        CallerRuns caller = new CallerRuns(other);
        CompletableFuture<String> future = new CompletableFuture<>();
        List<Thread> ranOn = new CopyOnWriteArrayList<>();
        caller.execute(() -> ranOn.add(Thread.currentThread()));
        other.execute(() -> caller.execute(() -> {
            ranOn.add(Thread.currentThread());
            future.complete("done");
        }));

        assertThat(caller.await(future)).isEqualTo("done");
        assertThat(ranOn).containsExactly(Thread.currentThread(), Thread.currentThread());
    }

    @Test
    void tasksGivenAfterTheCallerLeftGoToTheFallback() throws Exception {
        CallerRuns caller = new CallerRuns(other);
        caller.await(CompletableFuture.completedFuture("done"));
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();

        caller.execute(() -> ranOn.complete(Thread.currentThread()));

        assertThat(ranOn.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS)).isNotEqualTo(Thread.currentThread());
    }

    @Test
    void interruptingTheCallerCancelsTheFutureAndThrows() throws Exception {
        AtomicReference<Object> outcome = new AtomicReference<>();
        CompletableFuture<String> future = new CompletableFuture<>();
        Thread waiter = new Thread(() -> {
            try {
                outcome.set(new CallerRuns(other).await(future));
            } catch (InterruptedException | ExecutionException e) {
                outcome.set(e);
            }
        });
        waiter.start();
        Timing.await("the caller parks").until(() -> waiter.getState() == Thread.State.WAITING);

        waiter.interrupt();
        waiter.join(Timing.defaultWait().toMillis());

        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(future).isCancelled();
    }

    @Test
    void aFailedFutureIsAnExecutionException() {
        CallerRuns caller = new CallerRuns(other);
        assertThatThrownBy(() -> caller.await(CompletableFuture.failedFuture(new IllegalStateException("boom"))))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IllegalStateException.class);
    }
}
