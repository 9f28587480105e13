package dev.baton.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import dev.baton.embedded.EmbeddedRedis;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/**
 * Runs every benchmark against servers it starts itself, prints a markdown table and writes it,
 * with a description of the machine, to {@code BENCHMARKS.md}.
 *
 * <pre>
 *   java -jar benchmarks/target/baton-bench.jar [--quick] [--only TEXT] [--out FILE]
 * </pre>
 * {@code --only TEXT} runs only the groups whose name contains TEXT (ignoring case); a TEXT that
 * contains "XA" runs only the XA transfer groups ({@link XaBench}) and starts no server of the others.
 * {@code --quick} runs every row briefly (seconds), for the smoke test; it writes no file unless
 * {@code --out} is given.
 */
public final class BenchMain {

    private BenchMain() {
    }

    /** Entry point. */
    public static void main(String[] args) throws Exception {
        String problem = usageProblem(args);
        if (problem != null) {
            boolean help = problem.isEmpty();
            (help ? System.out : System.err).println((help ? "" : problem + "\n") + USAGE);
            System.exit(help ? 0 : 2);
        }
        boolean quick = List.of(args).contains("--quick");
        int out = List.of(args).indexOf("--out");
        Path file = out >= 0 && out + 1 < args.length ? Path.of(args[out + 1]) : quick ? null : Path.of("BENCHMARKS.md");
        int only = List.of(args).indexOf("--only");
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        List<Row> rows = run(quick, only >= 0 && only + 1 < args.length ? args[only + 1] : "");
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.println(Report.table(rows));
        if (file != null) {
            String existing = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : null;
            Files.writeString(file, document(rows, quick, loadBefore, loadAfter, existing), StandardCharsets.UTF_8);
            System.out.println("wrote " + file.toAbsolutePath());
        }
    }

    static final String USAGE = "usage: java -jar baton-bench.jar [--quick] [--only TEXT] [--out FILE]";

    /**
     * Checks the arguments before anything starts, so that a typo does not cost a full run.
     *
     * @return null when they are usable, "" when help was asked for, otherwise what is wrong
     */
    static String usageProblem(String[] args) {
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> { }
                case "--only", "--out" -> {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        return args[i] + " needs a value";
                    }
                    i++;
                }
                case "--help", "-h" -> {
                    return "";
                }
                default -> {
                    return "unknown argument: " + args[i];
                }
            }
        }
        return null;
    }

    /** Runs the rows whose group contains {@code only} (all if empty); quick mode measures each only briefly. */
    public static List<Row> run(boolean quick, String only) throws Exception {
        Harness harness = harness(quick, only);
        List<Row> rows = new ArrayList<>();
        if (!XaBench.onlyXa(only)) {
            rows.addAll(lockAndTxnGroups(harness, quick));
        }
        rows.addAll(XaBench.run(harness, quick));
        return rows;
    }

    /** Every group but the XA transfer groups (for the smoke test, which runs those on their own). */
    static List<Row> lockAndTxnRows(boolean quick) throws Exception {
        return lockAndTxnGroups(harness(quick, ""), quick);
    }

    private static Harness harness(boolean quick, String only) {
        // The servers run in this JVM; mntr is needed for the request counts, and fsync is off so
        // that the clients' own costs are not hidden under disk latency (the XA groups turn it on).
        System.setProperty("zookeeper.4lw.commands.whitelist", "*");
        if (System.getProperty("zookeeper.forceSync") == null) {
            System.setProperty("zookeeper.forceSync", "no");
        }
        System.setProperty("zookeeper.admin.enableServer", "false");
        return new Harness(quick ? Harness.Settings.quick(only) : Harness.Settings.full(only));
    }

    /** Every group but the XA transfer groups, on one ZooKeeper server ({@code forceSync=no}) and Redis. */
    private static List<Row> lockAndTxnGroups(Harness harness, boolean quick) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (TestingServer zookeeper = new TestingServer(
                new InstanceSpec(null, -1, -1, -1, true, -1, 2000, 0, Map.of(), "127.0.0.1"), true)) {
            ZooKeeperBench zk = new ZooKeeperBench(zookeeper.getConnectString(), harness);
            rows.addAll(zk.all());
            double ceiling = rows.stream().filter(r -> r.contestant().equals(ZooKeeperBench.CEILING))
                    .mapToDouble(Row::median).findFirst().orElse(Double.NaN);
            rows.addAll(new TxnBench(zk, harness, zookeeper.getPort()).all(ceiling,
                    quick ? new int[] {2} : new int[] {2, 3, 5}, quick ? new int[] {4} : new int[] {16, 64}));
            rows.addAll(new ZooKeeperScaling(zk, harness, zookeeper.getPort(), quick ? 200 : 10_000)
                    .all(quick ? new int[] {1, 10} : new int[] {1, 10, 100}));
        }
        try (EmbeddedRedis redis = EmbeddedRedis.start()) {
            rows.addAll(new RedisBench(redis.uri(), redis.port(), harness)
                    .all(quick ? 200 : 10_000, quick ? new int[] {1, 10} : new int[] {1, 10, 100}));
        }
        // The recipe groups compare both backends side by side, so both servers run at once.
        try (TestingServer zookeeper = new TestingServer(
                new InstanceSpec(null, -1, -1, -1, true, -1, 2000, 0, Map.of(), "127.0.0.1"), true);
                EmbeddedRedis redis = EmbeddedRedis.start()) {
            ZooKeeperBench zk = new ZooKeeperBench(zookeeper.getConnectString(), harness);
            RedisBench redisBench = new RedisBench(redis.uri(), redis.port(), harness);
            rows.addAll(new RecipeBench(zk, redisBench, redis.uri(), harness).all(quick ? 200 : 10_000, quick ? 1 : 3));
        }
        return rows;
    }

    /** What the profiles showed where a target is missed; the figures are in the table above. */
    private static final String NOTES = """
            ## Reading the results

            - **ZooKeeper, uncontended.** Baton sends the two writes a lock needs (create, delete) and
              one read pipelined behind the create, which tells it the node is first. The read costs no
              extra round trip but does cost the server a request and the client a reply to parse; on a
              loopback floor of about 70 µs that is what separates Baton from the floor.
            - **ZooKeeper, contended.** The holder's successor takes the lock on the deletion event
              without reading the queue when its predecessor held, or was a lease of the same client, so
              threads sharing a client hand over with one delete. Waiters on separate clients whose
              predecessor was itself waiting read the queue once when it goes, as Curator does, so
              there Baton can only win on client overhead. Clients and server together keep both cores
              busy, about half of it in the kernel, waking threads: each request crosses several server
              threads and two client threads.
            - **Redis.** The second floor runs Baton's own acquire and release scripts by EVALSHA on a
              bare connection: Redis spends most of the gap to two PINGs inside the scripts (reading
              the fence, `TIME`, `SET` with expiry, `PUBLISH`); the client adds little on top.
            - **2PC.** The caller waits for three writes in sequence (begin, the votes, the decision),
              and between them for two watch notifications and two rounds of reads: each host reads
              the transaction's nodes before it prepares, and the driver reads the votes before it
              decides. The begin, one `multi` of 2N+6 creates, was about a quarter of the commit in a
              timeline of 2,500 commits. Counted over whole transactions (acknowledgements and
              collection included) reads still outnumber writes (the "requests per transaction"
              rows). Every request, read or write, passes the server's request threads; in the
              profile its sync thread (which also logs the writes) was the busiest, so reads, not
              only writes, bound the throughput.
            - **Recipes.** ZooKeeper and Redis run together for these groups; per backend the other
              library comes first, so a Baton row's ratio is against it. An election hand-over is
              granted on the watch callback, then delivered through the client's callback thread to
              the caller: two thread wake-ups more than the floor. The Redisson adapter runs Baton's
              scripts through Redisson's synchronous `RScript`, which costs it its lead over
              Redisson's own recipes; it is there for the guarantees.
            """;

    /**
     * The whole file; or, when only the XA groups ran and {@code existing} is a file this wrote,
     * {@code existing} with its XA section (from {@link XaBench#HEADING} on) replaced, so that a
     * run of the XA groups alone keeps the other groups' figures.
     */
    private static String document(List<Row> rows, boolean quick, double loadBefore, double loadAfter,
            String existing) {
        Runtime runtime = Runtime.getRuntime();
        String machine = String.format("%d cores, %d MiB max heap, %s %s, Java %s (%s), %s",
                runtime.availableProcessors(), runtime.maxMemory() >> 20, System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                ManagementFactory.getOperatingSystemMXBean().getArch());
        String measured = "Measured " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " on " + machine
                + String.format(Locale.ROOT, "; load average (1 min) %.1f at the start, %.1f at the end.%n", loadBefore, loadAfter);
        List<Row> xa = rows.stream().filter(row -> row.group().startsWith(XaBench.FAMILY)).toList();
        List<Row> others = rows.stream().filter(row -> !row.group().startsWith(XaBench.FAMILY)).toList();
        String xaSection = XaBench.NOTES
                + "\n" + measured
                + (quick ? "\n**Quick mode: these numbers are a smoke test, not measurements.**\n" : "")
                + "\n" + (xa.isEmpty() ? "(The XA transfer groups were not run.)\n" : Report.table(xa));
        if (others.isEmpty() && existing != null && existing.startsWith("# Baton benchmarks")) {
            int at = existing.indexOf(XaBench.HEADING);
            return (at >= 0 ? existing.substring(0, at) : existing.stripTrailing() + "\n\n") + xaSection;
        }
        return "# Baton benchmarks\n\n"
                + measured
                + (quick ? "\n**Quick mode: these numbers are a smoke test, not measurements.**\n" : "")
                + "\nReproduce: `mvn -B -q -DskipTests package && java -jar benchmarks/target/baton-bench.jar`\n\n"
                + "Every contestant runs in the same JVM against the same servers, started by the benchmark on\n"
                + "loopback: ZooKeeper with `forceSync=" + System.getProperty("zookeeper.forceSync", "no") + "`"
                + " (no unless -Dzookeeper.forceSync=yes is given: client overheads are then not hidden under\n"
                + "disk latency), and `redis-server` without persistence (the XA transfer groups at the end run\n"
                + "with fsync on and `forceSync=yes`).\n"
                + "Each group is warmed up, then measured in 5 rounds whose order rotates; the table shows the\n"
                + "median over rounds, the median of the rounds' 99th percentiles, and the lowest and highest round.\n"
                + "Ratios are against the first row of the group (the floor where there is one), taken within\n"
                + "each round and then the median over rounds: this machine has slow spells of up to twice the\n"
                + "latency, and a ratio within a round compares contestants measured seconds apart.\n"
                + "2PC participants run in `ParticipantHost`s: in this JVM, on the coordinator's session or on\n"
                + "sessions of their own, or in a child JVM started by the benchmark (the throughput rows).\n\n"
                + (others.isEmpty() ? "(The lock and 2PC groups were not run.)\n" : Report.table(others))
                + "\n" + NOTES
                + "\n" + xaSection;
    }
}
