package dev.baton.lock.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link SharedTimer}: many deadlines on one timer task, in time order, movable and cancellable. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class SharedTimerTest {

    private final ClientRuntime runtime = started(new ClientRuntime("test", RedisLockOptions.defaults(), Duration.ofSeconds(1)));
    private final SharedTimer timer = new SharedTimer(runtime);

    private static ClientRuntime started(ClientRuntime runtime) {
        runtime.start(ClientRuntime.Parts.NONE);
        return runtime;
    }
    private final List<String> fired = new CopyOnWriteArrayList<>();

    @AfterEach
    void stopRuntime() {
        runtime.stop();
    }

    @Test
    void deadlinesFireInTimeOrderWhateverOrderTheyWereSetIn() {
        long now = runtime.now();
        timer.slot(() -> fired.add("c")).at(now + millis(600));
        timer.slot(() -> fired.add("a")).at(now + millis(200));
        timer.slot(() -> fired.add("b")).at(now + millis(400));

        Timing.await("all fire").until(() -> fired.size() == 3);
        assertThat(fired).containsExactly("a", "b", "c");
    }

    @Test
    void aDeadlineEarlierThanTheScheduledOneFiresOnTime() {
        long now = runtime.now();
        timer.slot(() -> fired.add("late")).at(now + TimeUnit.MINUTES.toNanos(10));
        timer.slot(() -> fired.add("early")).at(now + millis(50));

        Timing.await("the early one fires").atMost(Timing.scaled(Duration.ofSeconds(5))).until(() -> !fired.isEmpty());
        assertThat(fired).containsExactly("early");
    }

    @Test
    void cancelledAndMovedDeadlinesFireOnlyWhereTheyWereLastSet() {
        long now = runtime.now();
        SharedTimer.Slot cancelled = timer.slot(() -> fired.add("cancelled"));
        SharedTimer.Slot moved = timer.slot(() -> fired.add("moved"));
        cancelled.at(now + millis(1000));
        moved.at(now + millis(1000));
        timer.slot(() -> fired.add("marker")).at(now + millis(1500));

        cancelled.cancel();
        moved.at(now + millis(1200));

        Timing.await("the last one fires").until(() -> fired.contains("marker"));
        assertThat(fired).containsExactly("moved", "marker");
    }

    private static long millis(long millis) {
        return Timing.scaled(Duration.ofMillis(millis)).toNanos();
    }
}
