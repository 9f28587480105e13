package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The session deadline's arithmetic, on a ticker the test moves: no server. */
@Timeout(10)
class SessionClockTest {

    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    private final AtomicLong now = new AtomicLong(-5 * SECOND); // crosses zero: deadlines compare by difference
    private final SessionClock clock = new SessionClock(now::get);

    @Test
    void unansweredSessionIsPastAtOnce() {
        assertThat(clock.isConfirmed()).isFalse();
        assertThat(clock.isPast()).isTrue();
    }

    @Test
    void deadlineIsTheNewestAnsweredSendPlusTheTimeoutLessATenth() {
        long sent = now.get();
        now.addAndGet(SECOND);
        clock.confirmed(sent, 4000);

        assertThat(clock.deadline()).isEqualTo(sent + 4 * SECOND - 4 * SECOND / 10);
        now.set(clock.deadline() - 1);
        assertThat(clock.isPast()).isFalse();
        now.set(clock.deadline());
        assertThat(clock.isPast()).isTrue();
    }

    @Test
    void anAnswerToAnOlderRequestNeverMovesTheDeadlineBack() {
        long older = now.get();
        long newer = older + SECOND;
        clock.confirmed(newer, 4000);
        clock.confirmed(older, 4000);

        assertThat(clock.deadline()).isEqualTo(newer + 4 * SECOND - 4 * SECOND / 10);
    }

    @Test
    void heartbeatIsDueAThirdOfTheTimeoutAfterTheNewestAnsweredSend() {
        long sent = now.get();
        clock.confirmed(sent, 3000);

        assertThat(clock.heartbeatDue()).isEqualTo(sent + SECOND);
        assertThat(clock.heartbeatDue() - clock.deadline()).isNegative();
    }

    @Test
    void anAnswerBeforeTheTimeoutIsKnownMovesNothing() {
        clock.confirmed(now.get(), 0);

        assertThat(clock.isConfirmed()).isFalse();
        assertThat(clock.isPast()).isTrue();
    }
}
