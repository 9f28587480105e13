package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The benchmark refuses arguments it does not know before it starts any server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BenchArgumentsTest {

    @Test
    void knownArgumentsAreAccepted() {
        assertThat(BenchMain.usageProblem(new String[] {})).isNull();
        assertThat(BenchMain.usageProblem(new String[] {"--quick", "--only", "XA", "--out", "b.md"})).isNull();
    }

    @Test
    void helpIsAnsweredWithTheUsageAndNotARun() {
        assertThat(BenchMain.usageProblem(new String[] {"--help"})).isEmpty();
        assertThat(BenchMain.usageProblem(new String[] {"--only", "XA", "-h"})).isEmpty();
    }

    @Test
    void anUnknownArgumentOrAMissingValueIsNamed() {
        assertThat(BenchMain.usageProblem(new String[] {"--qiuck"})).isEqualTo("unknown argument: --qiuck");
        assertThat(BenchMain.usageProblem(new String[] {"--only"})).isEqualTo("--only needs a value");
        assertThat(BenchMain.usageProblem(new String[] {"--out", "--quick"})).isEqualTo("--out needs a value");
    }
}
