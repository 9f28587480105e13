package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TimingTest {

    @Test
    void factorIsOneByDefaultAndTwoOnCi() {
        assertThat(Timing.factorFrom(null, null)).isEqualTo(1);
        assertThat(Timing.factorFrom(" ", "false")).isEqualTo(1);
        assertThat(Timing.factorFrom(null, "true")).isEqualTo(2);
        assertThat(Timing.factorFrom("", "TRUE")).isEqualTo(2);
    }

    @Test
    void propertyWinsOverCi() {
        assertThat(Timing.factorFrom("3", "true")).isEqualTo(3);
        assertThat(Timing.factorFrom(" 1.5 ", null)).isEqualTo(1.5);
    }

    @Test
    void malformedOrNonPositiveFactorsAreRejectedByName() {
        for (String bad : new String[] {"fast", "0", "-1", "NaN", "Infinity"}) {
            assertThatThrownBy(() -> Timing.factorFrom(bad, null))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Timing.FACTOR_PROPERTY);
        }
    }

    @Test
    void scalesDurationsByTheFactor() {
        double factor = Timing.factor();
        assertThat(Timing.scaled(Duration.ofSeconds(2))).isEqualTo(Duration.ofNanos((long) Math.ceil(2e9 * factor)));
        assertThat(Timing.scaledMillis(100)).isEqualTo((long) Math.ceil(100 * factor));
        assertThat(Timing.defaultWait()).isEqualTo(Timing.scaled(Timing.DEFAULT_WAIT));
        assertThatThrownBy(() -> Timing.scaled(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Timing.scaled(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void awaitPollsUntilTheConditionHoldsOrTimesOut() {
        assertThatThrownBy(() -> Timing.await().atMost(Duration.ofMillis(50)).until(() -> false))
                .isInstanceOf(org.awaitility.core.ConditionTimeoutException.class);
        Timing.await().until(() -> true);
    }
}
