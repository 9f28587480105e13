package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ChildJvmTest {

    private static final String PASSED = "dev.baton.testkit.child-jvm-probe";
    private static final String NOT_PASSED = "unrelated.child-jvm-probe";

    @TempDir
    Path dir;

    /** Prints the two probes and exits 3; with "wait", prints "ready" and waits to be killed. */
    public static final class Probe {
        public static void main(String[] args) throws InterruptedException {
            if (args.length > 0 && args[0].equals("wait")) {
                System.out.println("ready");
                System.out.flush();
                // Not a wait for a condition: the child's whole job is to be alive until the test
                // kills it. Bounded, so a child the test failed to kill ends on its own.
                Thread.sleep(120_000);
                return;
            }
            System.out.println(PASSED + "=" + System.getProperty(PASSED));
            System.out.println(NOT_PASSED + "=" + System.getProperty(NOT_PASSED));
            System.out.flush();
            System.exit(3);
        }
    }

    @Test
    void theChildSeesBatonsSystemPropertiesAndNoOthers() throws InterruptedException {
        System.setProperty(PASSED, "a value with spaces");
        System.setProperty(NOT_PASSED, "x");
        try {
            ChildJvm child = new ChildJvm(Probe.class, log("probe"));
            assertThat(child.next(Duration.ofSeconds(30))).isEqualTo(PASSED + "=a value with spaces");
            assertThat(child.next(Duration.ofSeconds(30))).isEqualTo(NOT_PASSED + "=null");
            assertThat(child.exitCode(Duration.ofSeconds(30))).isEqualTo(3);
            assertThat(child.next(Duration.ofSeconds(5))).as("end of output").isNull();
        } finally {
            System.clearProperty(PASSED);
            System.clearProperty(NOT_PASSED);
        }
    }

    @Test
    void inheritedPropertiesCarryOnlyThePassedOnPrefixes() {
        System.setProperty(PASSED, "1");
        try {
            assertThat(ChildJvm.inheritedProperties())
                    .contains("-D" + PASSED + "=1")
                    .allMatch(arg -> ChildJvm.PASSED_ON.stream().anyMatch(prefix -> arg.startsWith("-D" + prefix)));
        } finally {
            System.clearProperty(PASSED);
        }
    }

    @Test
    void aKilledChildEndsItsOutputAndIsNotAlive() throws InterruptedException {
        ChildJvm child = new ChildJvm(Probe.class, log("wait"), "wait");
        assertThat(child.next(Duration.ofSeconds(30))).isEqualTo("ready");
        assertThat(child.isAlive()).isTrue();
        child.pause();
        child.kill();
        assertThat(child.isAlive()).isFalse();
        assertThat(child.next(Duration.ofSeconds(10))).isNull();
        assertThat(child.drainLines()).isEmpty();
    }

    private File log(String name) {
        return dir.resolve(name + ".log").toFile();
    }
}
