package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** How BENCHMARKS.md rows print their ratios. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReportTest {

    @Test
    void ratiosPrintWithTwoDecimalsAndNeverAsZeroWhenTheyAreNot() {
        assertThat(Report.ratio(1.2345)).isEqualTo("1.23×");
        assertThat(Report.ratio(0.005)).isEqualTo("0.01×");
        assertThat(Report.ratio(0.000715)).isEqualTo("<0.01×");
        assertThat(Report.ratio(Double.NaN)).isEmpty();
    }
}
