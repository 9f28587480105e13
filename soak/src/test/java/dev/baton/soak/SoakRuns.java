package dev.baton.soak;

import dev.baton.lock.testkit.Timing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** Short soak runs for the tests: 3 workers, 2 locks, a 2 s horizon, recovery timeouts scaled by {@link Timing}. */
final class SoakRuns {

    private SoakRuns() {
    }

    static Soak.Result run(String backend, String testName, SoakOptions.SelfTest selfTest, int injections,
                           FaultKind... kinds) {
        return run(backend, testName, selfTest, injections, UnaryOperator.identity(), kinds);
    }

    /** As above, with the options changed by {@code tweak} last. */
    static Soak.Result run(String backend, String testName, SoakOptions.SelfTest selfTest, int injections,
                           UnaryOperator<SoakOptions> tweak, FaultKind... kinds) {
        Path out = Path.of("target", "soak-tests", testName);
        SoakOptions options = SoakOptions.defaults(backend, List.of(kinds), out)
                .withInjections(injections)
                .withMaxPhase(Timing.scaled(Duration.ofMinutes(2)))
                .withSelfTest(selfTest)
                .withRecoveryTimeout(Timing.scaled(Duration.ofSeconds(60)));
        options = tweak.apply(options);
        Soak.Result result = Soak.run(options, line -> System.out.println("[" + testName + "] " + line));
        System.out.println(Report.markdown(result, testName));
        return result;
    }
}
