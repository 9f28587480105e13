package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs every benchmark row briefly so the harness cannot rot. Asserts only that each row has a number. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class BenchSmokeTest {

    @Test
    void everyRowProducesANumber() throws Exception {
        List<Row> rows = BenchMain.run(true, "");
        assertThat(rows).isNotEmpty();
        assertThat(rows).allSatisfy(row -> assertThat(Double.isFinite(row.median()))
                .as("%s / %s", row.group(), row.contestant()).isTrue());
        assertThat(Report.table(rows)).contains("Baton ZooKeeper", "Curator InterProcessMutex");
    }
}
