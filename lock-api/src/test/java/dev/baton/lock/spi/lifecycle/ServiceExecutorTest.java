package dev.baton.lock.spi.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A service's threads: named daemons; after shutdown work is dropped, completions run in place. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ServiceExecutorTest {

    @Test
    void tasksRunOnNamedDaemonThreads() throws Exception {
        ServiceExecutor executor = ServiceExecutor.scheduled("baton-test-timer", 1);
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        assertThat(executor.execute(() -> ran.complete(Thread.currentThread()))).isTrue();
        Thread thread = ran.get(10, TimeUnit.SECONDS);
        assertThat(thread.getName()).isEqualTo("baton-test-timer-1");
        assertThat(thread.isDaemon()).isTrue();
        CompletableFuture<String> later = new CompletableFuture<>();
        assertThat((Object) executor.schedule(() -> later.complete("fired"), 1, TimeUnit.MILLISECONDS)).isNotNull();
        assertThat(later.get(10, TimeUnit.SECONDS)).isEqualTo("fired");
        executor.shutdownNow();
    }

    @Test
    void afterShutdownWorkIsDroppedAndCompletionsRunOnTheCaller() {
        ServiceExecutor executor = ServiceExecutor.scheduled("baton-test-closed", 1);
        executor.shutdownNow();
        assertThat(executor.isShutdown()).isTrue();
        assertThat(executor.execute(() -> { })).isFalse();
        assertThat((Object) executor.schedule(() -> { }, 1, TimeUnit.SECONDS)).isNull();
        Thread[] ranOn = new Thread[1];
        executor.executeOrRun(() -> ranOn[0] = Thread.currentThread());
        assertThat(ranOn[0]).isSameAs(Thread.currentThread());
    }

    @Test
    void aGracefulShutdownLetsQueuedTasksRun() {
        ServiceExecutor executor = ServiceExecutor.single("baton-test-callbacks");
        CompletableFuture<String> queued = new CompletableFuture<>();
        executor.execute(() -> queued.complete("ran"));
        assertThat(executor.shutdown(Duration.ofSeconds(10))).isTrue();
        assertThat(queued).isCompletedWithValue("ran");
        assertThatThrownBy(() -> executor.schedule(() -> { }, 1, TimeUnit.SECONDS))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aThreadKnowsWhichExecutorItBelongsTo() throws Exception {
        ServiceExecutor executor = ServiceExecutor.scheduled("baton-test-own", 2);
        ServiceExecutor other = ServiceExecutor.single("baton-test-other");
        try {
            assertThat(executor.isCurrentThread()).as("the test's own thread").isFalse();
            CompletableFuture<boolean[]> seen = new CompletableFuture<>();
            executor.execute(() -> seen.complete(new boolean[] {executor.isCurrentThread(), other.isCurrentThread()}));
            assertThat(seen.get(10, TimeUnit.SECONDS)).containsExactly(true, false);
            CompletableFuture<Boolean> timer = new CompletableFuture<>();
            executor.schedule(() -> timer.complete(executor.isCurrentThread()), 1, TimeUnit.MILLISECONDS);
            assertThat(timer.get(10, TimeUnit.SECONDS)).as("a timer's thread").isTrue();
            CompletableFuture<Boolean> single = new CompletableFuture<>();
            other.execute(() -> single.complete(other.isCurrentThread() && !executor.isCurrentThread()));
            assertThat(single.get(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            executor.shutdownNow();
            other.shutdownNow();
        }
    }
}
