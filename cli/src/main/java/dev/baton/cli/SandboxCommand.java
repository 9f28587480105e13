package dev.baton.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton sandbox}: real servers on loopback to try the other commands against, until Ctrl-C. */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Start a ZooKeeper ensemble and a redis-server on loopback (and PostgreSQL with prepared",
                "transactions, with --postgres), print how to reach them, and keep them running until",
                "Ctrl-C (or SIGTERM), then stop them and delete their files.",
                "With --properties FILE, the baton.properties to use is also written there, and deleted",
                "at exit: run the other commands in that directory and they find it by themselves."},
        footer = {"", "Examples:", "  baton sandbox --properties baton.properties",
                "  baton sandbox --zookeeper-servers 1 --postgres"})
final class SandboxCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--zookeeper-servers", defaultValue = "3", paramLabel = "N",
            description = "Servers in the ZooKeeper ensemble, 1 to 7. Default: ${DEFAULT-VALUE}.")
    int zookeeperServers;

    @Option(names = "--postgres", description = "Also start PostgreSQL with max_prepared_transactions=100.")
    boolean postgres;

    @Option(names = "--properties", paramLabel = "FILE",
            description = "Write the baton.properties there too (refused if the file exists); deleted at exit.")
    Path propertiesFile;

    @Override
    public Integer call() throws Exception {
        if (zookeeperServers < 1 || zookeeperServers > 7) {
            throw new IllegalArgumentException("--zookeeper-servers must be from 1 to 7");
        }
        if (propertiesFile != null && Files.exists(propertiesFile)) {
            throw new IllegalArgumentException("--properties " + propertiesFile + " exists already; the sandbox writes"
                    + " a new file and deletes it at exit, so give it a path that is free");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf("Starting a %d-node ZooKeeper ensemble and redis-server%s on loopback...%n", zookeeperServers,
                postgres ? " and PostgreSQL" : "");
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        DemoServers servers = DemoServers.start(zookeeperServers, postgres);
        Thread stop = new Thread(() -> {
            try {
                servers.close();
                if (propertiesFile != null) {
                    Files.deleteIfExists(propertiesFile);
                }
            } catch (IOException e) {
                // exiting: the file stays, nothing else to do
            } finally {
                stopped.countDown();
            }
        }, "baton-sandbox-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        String properties = properties(servers);
        if (propertiesFile != null) {
            Files.writeString(propertiesFile, properties, StandardCharsets.UTF_8);
        }
        describe(out, servers, properties);
        stopped.await(); // until a signal runs the shutdown hook
        return ExitCodes.OK;
    }

    private static String properties(DemoServers servers) {
        return "# Baton sandbox: locks on ZooKeeper; transactions always use ZooKeeper\n"
                + "baton.backend=zookeeper\n"
                + "baton.zookeeper.connect=" + servers.zookeeperConnect() + "\n"
                + "# for locks on Redis instead, use these two lines:\n"
                + "#baton.backend=redis\n"
                + "#baton.redis.uri=" + servers.redisUri() + "\n";
    }

    private void describe(PrintWriter out, DemoServers servers, String properties) {
        String jar = "java -jar cli/target/baton.jar";
        out.printf("ZooKeeper (%d servers): %s%n", servers.zookeeperServers(), servers.zookeeperConnect());
        out.printf("Redis:                 %s%n", servers.redisUri());
        servers.postgres().ifPresent(pg -> out.printf(
                "PostgreSQL:            %s (max_prepared_transactions=100)%n", pg.jdbcUrl("postgres")));
        out.println();
        out.println(propertiesFile == null ? "baton.properties (paste into ./baton.properties):"
                : "baton.properties (written to " + propertiesFile + "):");
        properties.lines().forEach(line -> out.println("  " + line));
        out.println();
        out.println("Try, in another terminal" + (propertiesFile == null ? ":" : " in the same directory:"));
        String flags = propertiesFile == null ? " --zookeeper " + servers.zookeeperConnect() : "";
        out.println("  " + jar + " lock" + flags + " demo/report -- sh -c 'echo token $BATON_FENCING_TOKEN; sleep 30' &");
        out.println("  " + jar + " locks" + flags);
        out.println("  " + jar + " txn list" + flags);
        out.println("  " + jar + " lock --backend redis --redis " + servers.redisUri() + " demo/report -- echo on Redis");
        out.println();
        out.println("Running; Ctrl-C stops the servers and deletes their files.");
        out.flush();
    }
}
