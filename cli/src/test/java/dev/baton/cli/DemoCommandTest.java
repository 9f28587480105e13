package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A small run of {@code baton demo}, faults included, on its own embedded servers. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class DemoCommandTest {

    @Test
    void demoPassesEveryCheckWithFaults() {
        CommandRun run = CommandRun.of("demo", "--transfers", "90", "--workers", "4");
        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("killed coordinator 1 of 2")
                .contains("killed the ZooKeeper leader")
                .contains("PASS money is conserved")
                .contains("PASS no transaction in doubt")
                .contains("PASS no prepared transaction left in PostgreSQL")
                .contains("PASS fencing tokens never went backwards")
                .contains("zookeeper").contains("redis")
                .doesNotContain("FAIL");
    }

    @Test
    void badSizesAreRejectedBeforeAnythingStarts() {
        CommandRun run = CommandRun.of("demo", "--workers", "0");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(run.err()).contains("--workers");
        assertThat(run.out()).doesNotContain("Starting");
    }
}
