package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.testkit.Timing;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code baton sandbox} as a separate process, used the way the README's quick start uses it: the
 * other commands run against it, then SIGTERM stops it and its files are gone.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SandboxCommandTest {

    private static final Pattern ZOOKEEPER = Pattern.compile("ZooKeeper \\((\\d) servers\\): (\\S+)");
    private static final Pattern REDIS = Pattern.compile("Redis: +(redis://\\S+)");

    @Test
    void otherCommandsRunAgainstTheSandboxUntilItStopsAndCleansUp(@TempDir Path directory) throws Exception {
        Path properties = directory.resolve("baton.properties");
        Process sandbox = baton("sandbox", "--zookeeper-servers", "3", "--properties", properties.toString());
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(sandbox.getInputStream(), StandardCharsets.UTF_8));
            List<String> printed = new ArrayList<>();
            for (String line = lines.readLine(); line != null && !line.startsWith("Running;"); line = lines.readLine()) {
                printed.add(line);
            }
            String text = String.join("\n", printed);
            Matcher zookeeper = ZOOKEEPER.matcher(text);
            Matcher redis = REDIS.matcher(text);
            assertThat(zookeeper.find()).as(text).isTrue();
            assertThat(redis.find()).as(text).isTrue();
            assertThat(zookeeper.group(1)).isEqualTo("3");
            assertThat(Files.readString(properties)).contains("baton.zookeeper.connect=" + zookeeper.group(2));

            CommandRun lock = CommandRun.of("lock", "--config", properties.toString(), "sandbox/test", "--", "true");
            assertThat(lock.exitCode()).as(lock.err()).isZero();
            CommandRun locks = CommandRun.of("locks", "--config", properties.toString());
            assertThat(locks.exitCode()).as(locks.err()).isZero();
            CommandRun txns = CommandRun.of("txn", "list", "--config", properties.toString());
            assertThat(txns.exitCode()).as(txns.err()).isZero();
            assertThat(txns.out()).contains("open transactions: 0");
            CommandRun onRedis = CommandRun.of("lock", "--config", properties.toString(), "--backend", "redis", "--redis",
                    redis.group(1), "sandbox/test", "--", "true");
            assertThat(onRedis.exitCode()).as(onRedis.err()).isZero();

            sandbox.toHandle().destroy(); // SIGTERM
            assertThat(sandbox.waitFor(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(properties).doesNotExist();
        } finally {
            sandbox.destroyForcibly();
        }
    }

    @Test
    void anEmptyLockNameIsRefusedBeforeConnecting() {
        long started = System.nanoTime();
        CommandRun run = CommandRun.of("lock", "--zookeeper", "127.0.0.1:1", "", "--", "true");
        assertThat(run.exitCode()).isEqualTo(ExitCodes.CONFIG);
        assertThat(run.err()).contains("lock name must not be empty");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    private static Process baton(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
