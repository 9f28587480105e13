package dev.baton.lock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LockNamesTest {

    private static final List<String> HOSTILE = List.of(".", "..", "/", "a/../../b", "../../zookeeper", "\u0000ctl\n",
            "%2F", "a/b", "a%2Fb", "ключ/🔒", " ", "{tag}", "baton:lock:{x}", "*", "\\", ".hidden", "a.b");

    @Test
    void encodedNamesAreFlatSafeTokensThatNeverClimbOut() {
        for (String name : HOSTILE) {
            String encoded = LockNames.encode(name);
            assertThat(encoded).as(name).matches("[A-Za-z0-9_.%-]+").isNotIn(".", "..").doesNotStartWith(".");
            assertThat(encoded).doesNotContain("/", "{", "}", ":");
        }
    }

    @Test
    void differentNamesNeverShareAnEncoding() {
        Set<String> seen = new HashSet<>();
        for (String name : HOSTILE) {
            assertThat(seen.add(LockNames.encode(name))).as(name).isTrue();
        }
        assertThat(LockNames.encode("a/b")).isNotEqualTo(LockNames.encode("a%2Fb"));
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "..", "/", "a/../../b", "\u0000ctl\n", "%2F", "ключ/🔒", "orders-42", "a.b", ".x"})
    void decodeInvertsEncode(String name) {
        assertThat(LockNames.decode(LockNames.encode(name))).isEqualTo(name);
    }

    @Test
    void plainNamesStayReadable() {
        assertThat(LockNames.encode("orders-42_v1.0")).isEqualTo("orders-42_v1.0");
        assertThat(LockNames.encode("orders/42")).isEqualTo("orders%2F42");
    }

    @Test
    void lengthIsCountedInCodePoints() {
        String longest = "🔒".repeat(LockNames.MAX_LENGTH);
        assertThat(LockNames.check(longest)).isSameAs(longest);
        assertThatThrownBy(() -> LockNames.check(longest + "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("257 code points")
                .hasMessageContaining("limit is 256");
    }

    @Test
    void badNamesAreRejectedWithTheReason() {
        assertThatThrownBy(() -> LockNames.check(null)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("lock name");
        assertThatThrownBy(() -> LockNames.check("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> LockNames.encode("bad\uD800surrogate")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unpaired surrogate");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a/b", "%zz", "%2", ".x", "%2e%2E", "ÿ", "%C3"})
    void decodeRejectsWhatEncodeCannotProduce(String encoded) {
        assertThatThrownBy(() -> LockNames.decode(encoded)).isInstanceOf(IllegalArgumentException.class);
    }
}
