package dev.baton.lock.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConfigKeyTest {

    private static final ConfigKey<Duration> TIMEOUT = ConfigKey.duration("baton.test.timeout", Duration.ofSeconds(1), "t");
    private static final ConfigKey<String> SECRET = ConfigKey.secret("baton.test.password", "p");
    private static final ConfigKey<Integer> COUNT = ConfigKey.integer("baton.test.count", 1, 10, 3, "c");
    private static final ConfigKey<Boolean> FLAG = ConfigKey.bool("baton.test.flag", false, "f");
    private static final ConfigKey<String> MODE = ConfigKey.choice("baton.test.mode", Map.of("fast", "F", "safe", "S"),
            "S", "m");

    @Test
    void durationsTakeUnitsOrIso() {
        assertThat(TIMEOUT.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(TIMEOUT.parse(" 30s ")).isEqualTo(Duration.ofSeconds(30));
        assertThat(TIMEOUT.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(TIMEOUT.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(TIMEOUT.parse("PT2S")).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void malformedValuesNameTheKeyTheValueAndWhatIsAccepted() {
        assertThatThrownBy(() -> TIMEOUT.parse("30")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.test.timeout").hasMessageContaining("'30'").hasMessageContaining("250ms");
        assertThatThrownBy(() -> TIMEOUT.parse("0s")).hasMessageContaining("not positive");
        assertThatThrownBy(() -> TIMEOUT.parse("-PT1S")).hasMessageContaining("not positive");
        assertThatThrownBy(() -> COUNT.parse("11")).hasMessageContaining("from 1 to 10");
        assertThatThrownBy(() -> COUNT.parse("x")).hasMessageContaining("not an integer");
        assertThatThrownBy(() -> FLAG.parse("yes")).hasMessageContaining("true or false");
        assertThatThrownBy(() -> MODE.parse("quick")).hasMessageContaining("one of fast, safe");
    }

    @Test
    void secretsAreNeverEchoed() {
        assertThatThrownBy(() -> SECRET.parse("")).hasMessageContaining("baton.test.password")
                .hasMessageContaining("(hidden)");
        BatonConfig config = BatonConfig.parse(Map.of("baton.test.password", "hunter2"), List.of(SECRET));
        assertThat(config.describe(List.of(SECRET))).doesNotContain("hunter2");
    }

    @Test
    void environmentVariableNamesFollowTheKey() {
        assertThat(ConfigKey.duration("baton.zookeeper.session-timeout", null, "x").environmentVariable())
                .isEqualTo("BATON_ZOOKEEPER_SESSION_TIMEOUT");
    }

    @Test
    void unknownKeysAreRejectedWithTheNearestKnownKey() {
        assertThatThrownBy(() -> BatonConfig.parse(Map.of("baton.test.timout", "1s"), List.of(TIMEOUT, COUNT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown configuration key 'baton.test.timout'")
                .hasMessageContaining("did you mean 'baton.test.timeout'?");
    }

    @Test
    void defaultsApplyAndRequiredKeysSayHowToSetThem() {
        BatonConfig config = BatonConfig.parse(Map.of(), List.of(TIMEOUT, BatonConfig.BACKEND));
        assertThat(config.get(TIMEOUT)).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.isSet(TIMEOUT)).isFalse();
        assertThatThrownBy(() -> config.require(BatonConfig.BACKEND))
                .hasMessageContaining("baton.backend is required").hasMessageContaining("BATON_BACKEND");
    }

    @Test
    void keyNamesAreChecked() {
        assertThatThrownBy(() -> ConfigKey.string("Baton.Bad", null, "x")).isInstanceOf(IllegalArgumentException.class);
    }
}
