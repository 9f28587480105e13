package dev.baton.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.testkit.Timing;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
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
 * other commands run against it, then SIGTERM stops it and its files are gone; with
 * {@code --postgres}, a PostgreSQL that prepares transactions runs beside them and stops with them.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class SandboxCommandTest {

    private static final Pattern ZOOKEEPER = Pattern.compile("ZooKeeper \\((\\d) servers\\): (\\S+)");
    private static final Pattern REDIS = Pattern.compile("Redis: +(redis://\\S+)");
    private static final Pattern POSTGRES = Pattern.compile("PostgreSQL: +(jdbc:postgresql://\\S+)");

    @Test
    void otherCommandsRunAgainstTheSandboxUntilItStopsAndCleansUp(@TempDir Path directory) throws Exception {
        Path properties = directory.resolve("baton.properties");
        Process sandbox = baton("sandbox", "--zookeeper-servers", "3", "--properties", properties.toString());
        try {
            String text = printedUntilRunning(sandbox);
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
    void withPostgresItAlsoRunsPostgreSqlThatPreparesTransactionsUntilItStops() throws Exception {
        Process sandbox = baton("sandbox", "--zookeeper-servers", "1", "--postgres");
        try {
            String text = printedUntilRunning(sandbox);
            Matcher postgres = POSTGRES.matcher(text);
            assertThat(postgres.find()).as(text).isTrue();
            String url = postgres.group(1);
            try (Connection connection = DriverManager.getConnection(url);
                    Statement statement = connection.createStatement()) {
                try (ResultSet shown = statement.executeQuery("SHOW max_prepared_transactions")) {
                    assertThat(shown.next()).isTrue();
                    assertThat(shown.getString(1)).isEqualTo("100");
                }
                statement.execute("CREATE TABLE sandbox_check (id int)");
                connection.setAutoCommit(false);
                statement.execute("INSERT INTO sandbox_check VALUES (1)");
                statement.execute("PREPARE TRANSACTION 'sandbox-check'");
                connection.setAutoCommit(true);
                try (ResultSet prepared = statement.executeQuery(
                        "SELECT count(*) FROM pg_prepared_xacts WHERE gid = 'sandbox-check'")) {
                    assertThat(prepared.next()).isTrue();
                    assertThat(prepared.getInt(1)).isEqualTo(1);
                }
                statement.execute("COMMIT PREPARED 'sandbox-check'");
                try (ResultSet rows = statement.executeQuery("SELECT count(*) FROM sandbox_check")) {
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getInt(1)).isEqualTo(1);
                }
            }

            sandbox.toHandle().destroy(); // SIGTERM
            assertThat(sandbox.waitFor(Timing.scaledMillis(30_000), TimeUnit.MILLISECONDS)).isTrue();
            assertThatThrownBy(() -> DriverManager.getConnection(url).close())
                    .as("PostgreSQL stopped with the sandbox").isInstanceOf(SQLException.class);
        } finally {
            sandbox.destroyForcibly();
        }
    }

    @Test
    void anEmptyLockNameIsRefusedBeforeConnecting() throws IOException {
        // A server socket that is never accepted from: a client that connected would sit in its backlog.
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server.configureBlocking(false);
            CommandRun run = CommandRun.of("lock", "--zookeeper", "127.0.0.1:" + server.socket().getLocalPort(), "",
                    "--", "true");
            assertThat(run.exitCode()).isEqualTo(ExitCodes.CONFIG);
            assertThat(run.err()).contains("lock name must not be empty");
            assertThat(server.accept()).as("a connection to the server").isNull();
        }
    }

    private static String printedUntilRunning(Process sandbox) throws IOException {
        BufferedReader lines = new BufferedReader(new InputStreamReader(sandbox.getInputStream(), StandardCharsets.UTF_8));
        List<String> printed = new ArrayList<>();
        for (String line = lines.readLine(); line != null && !line.startsWith("Running;"); line = lines.readLine()) {
            printed.add(line);
        }
        return String.join("\n", printed);
    }

    private static Process baton(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }
}
