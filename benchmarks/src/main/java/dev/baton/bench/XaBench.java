package dev.baton.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;

/**
 * The XA bank-transfer group (issue 12): one transfer debits an account on PostgreSQL server A and
 * credits one on server B, atomically through XA, run by Baton's distributed 2PC and by the
 * transaction managers a Java team would pick instead, all in this JVM against the same two
 * durable servers with pools of the same size. Latency one transfer at a time, throughput at 8
 * and 32 callers, and what each contestant did at the XAResources, counted and checked.
 *
 * <p>Adding a contestant is one {@link XaContestant} in {@link #contestants()}.
 */
final class XaBench implements AutoCloseable {

    /** What every group of this family has in its name, for {@code --only XA}. */
    static final String FAMILY = "2PC XA transfer";
    static final String SETTINGS = FAMILY + " (PostgreSQL fsync=on, ZooKeeper forceSync=yes)";
    static final String LATENCY = SETTINGS + ": latency, one transfer at a time";
    static final String CALLS = FAMILY + ": XA calls per transfer, counted at the XAResource, and prepares seen";
    static final String DISK = FAMILY + ": the disk, one 512-byte append + FileChannel.force, one thread";
    static final int POOL_SIZE = 32;
    /** The machine's cores, for the share of them a round kept busy. */
    private static final int CORES = Runtime.getRuntime().availableProcessors();
    /** System property naming the contestants to run (see {@link #only}); for profiling one of them. */
    static final String ONLY_PROPERTY = "baton.bench.xa.contestants";
    /** How long each contestant runs at least, unmeasured, before the family's first group: see {@link #warmUp()}. */
    static final Duration WARM_UP = Duration.ofSeconds(15);
    /** How many transfers each contestant's warm-up runs at least, unless {@link #WARM_UP_LIMIT} ends it first. */
    static final int WARM_UP_TRANSFERS = 20_000;
    /** The longest a contestant's warm-up runs: it stops at the first {@link #WARM_UP} step past this. */
    static final Duration WARM_UP_LIMIT = Duration.ofSeconds(60);

    static final String FLOOR = "floor: XA by hand, no log";
    static final String ATOMIKOS = "Atomikos " + version("com.atomikos", "transactions-jta");
    static final String NARAYANA = "Narayana " + version("org.jboss.narayana.jta", "narayana-jta");
    static final String BATON_ONE = "Baton distributed, 1 ZooKeeper server";
    static final String BATON_THREE = "Baton distributed, 3-server ZooKeeper ensemble";
    static final String INPROC_ONE = "Baton in-process, 1 ZooKeeper server";
    static final String INPROC_THREE = "Baton in-process, 3-server ZooKeeper ensemble";
    /** What the two floors that also write to ZooKeeper have in their names: see {@link XaEngines#floorWithZooKeeper}. */
    static final String ZK_FLOOR = "floor + one ZooKeeper create, branches in parallel";
    static final String ZK_FLOOR_ONE = ZK_FLOOR + ", 1 ZooKeeper server";
    static final String ZK_FLOOR_THREE = ZK_FLOOR + ", 3-server ZooKeeper ensemble";
    static final String SCALING = FAMILY + ": throughput at 32 callers ÷ at 1 (medians of two groups, not within rounds)";
    private static final String TO_DECISION = ", to the decision (commit() returns)";
    private static final String TO_BRANCHES = ", to both branches committed";

    private static final AtomicLong TRANSFER_IDS = new AtomicLong();

    /** The heading of this family's section of BENCHMARKS.md. */
    static final String HEADING = "## 2PC XA transfer";

    /** The section of BENCHMARKS.md that explains this family; its table follows it. */
    static final String NOTES = HEADING + "\n" + """

            Reproduce: `mvn -B -q -DskipTests package && java -jar benchmarks/target/baton-bench.jar --only XA`
            (about 20 minutes on 2 cores; it replaces this section of BENCHMARKS.md and keeps the rest). To
            profile one contestant, name it: `java -Dbaton.bench.xa.contestants='distributed, 1 ZooKeeper'
            -jar ...` runs the floor and that one (several names separated by `;`).

            Issue 12's workload: a transfer debits an account on PostgreSQL server A and credits one on
            server B (on each, an `UPDATE` that checks the balance and an `INSERT` into `transfers`),
            atomically through XA. The two servers are embedded PostgreSQL 14 (zonky) on loopback, as
            durable as in production: `fsync=on`, `synchronous_commit=on`, `full_page_writes=on`,
            `max_prepared_transactions=100`, checked with `SHOW` at start. ZooKeeper runs in this JVM
            with `forceSync=yes`, its default (the log is fsynced before a write is acknowledged): one
            server, and a 3-server ensemble (Curator's `TestingCluster`, loopback, the same disk).
            Every ZooKeeper session of the ensemble's contestants connects to the same follower (the
            first whose `mntr` says so when the contestant starts): a session on the leader saves the
            hop a follower forwards each write over, and a random pick per session made the ensemble
            rows depend on where each contestant's sessions landed; in a deployment two sessions in
            three are on a follower. The disk row is one 512-byte append and `force` on that disk,
            for scale.

            Contestants, all in this JVM, each with 32 XA connections per server at most:
            - **floor**: `start`/`end`/`prepare`/`commit` called by hand on the two XAResources, no
              log at all (nothing could recover a transfer it crashes in), on the benchmark's pool.
            - **Atomikos 6.0.0** (jakarta classifier): `AtomikosDataSourceBean`s (max pool 32), its
              default durable file log in a fresh directory, default settings.
            - **Narayana 7.3.4.Final** (ArjunaCore JTA): its default object store (the run's last line
              prints it: `ShadowNoFileLockStore`, synchronous writes), the two XAResources enlisted by
              hand, connections from the benchmark's pool.
            - **floor + one ZooKeeper create** (a bound, not a transaction manager): the floor with the
              least that a coordinator keeping its decision in ZooKeeper must add, on each placement.
              Both branches prepared in parallel, one synchronous `create` of a 120-byte node (the
              size of Baton's decision), both branches committed in parallel. No check, no batching,
              no delete until the contestant closes, and nothing reads the nodes or could recover.
              Any such coordinator's latency one transfer at a time is this row's or more; under
              concurrency one can share a `create` among transfers (Baton's group commit does), so
              there the row is a reference, not a bound.
            - **Baton in-process** (`XaTransactions`, the path of issue 12's first target): both data
              sources registered as resources, its own pool (32 idle connections kept per resource)
              and 32 threads. `commit()` prepares both branches in parallel, creates the COMMIT
              decision in ZooKeeper (one write), commits both branches in parallel and returns; the
              decisions are deleted later, many per `multi`.
            - **Baton distributed**: a `TransactionCoordinator` and two `XaParticipant`s, each in a
              `ParticipantHost` of its own (32 threads, the benchmark's pool) on a ZooKeeper session of
              its own, all in this JVM. `commit()` returns at the decision and the hosts commit the
              branches afterwards, so the latency group has a row to the decision and a row to both
              branches committed, and a throughput round counts a transfer only once both its
              branches are committed (the round also waits for the last acknowledgements and
              collection, and that time counts).

            **How we know each contestant really prepared.** Every contestant gets its XA connections
            through the same wrapper (`CheckedXaDataSource`), which counts the calls each XAResource
            receives (prepares, one- and two-phase commits, rollbacks) and the physical connections
            opened. Before the first second-phase `commit` of one transaction in 200 (one in 3 in quick
            mode), it asks both servers, on connections of its own, for the rows of `pg_prepared_xacts`
            whose gid carries the transaction's format id and global id; the sample passes when each
            server holds exactly one, its branch. (The transaction's other commit waits for that
            lookup.) The "XA calls" rows give the counts per transfer and the share of samples that
            passed; at the end an audit checks that the money is conserved, that every transfer is
            recorded on both servers or on neither, and that nothing is left prepared. `mvn verify` runs
            this group in quick mode and requires 2 prepares, 2 second-phase commits, no one-phase
            commit and 100% of samples seen prepared for every contestant.

            **Measured.** Latency: one transfer at a time; p50 is the median of the rounds' medians,
            p99 the median of the rounds' 99th percentiles. Throughput: 1, 8 and 32 callers, each on
            accounts no other caller touches (no row-lock waits). Before the first group, every
            contestant runs 8 callers, unmeasured, in steps of 15 s until it has done 20,000 transfers
            or run 60 s, so that the JVM has compiled its code (after only 2 s, the slower paths were
            still being compiled in their measured rounds, and paid for it; HotSpot compiles a method
            with its optimising compiler after some 5,000 to 15,000 calls, so a contestant doing 200
            transfers a second had not reached it after 15 s); then in each group 2 s of warm-up per
            contestant, then
            5 rounds of 2 s whose order rotates; ratios are taken within each round, then the median
            over rounds (the "ratio to first row" column is against the floor; the "÷" rows against
            Atomikos and Narayana). The 32÷1 rows divide medians of two groups, not within rounds.
            ZooKeeper requests per transfer: the packets the contestant's servers received on their
            client connections (`cons`, `recved`), over its throughput rounds, divided by the
            transfers of those rounds (pings, and the benchmark's few reads while it waits for the
            clean-up, included). CPU per transfer: CPU time, not a rate, so it holds on a busy machine
            too, read before and after each throughput round and divided by its transfers, the median
            over rounds: this JVM less the ZooKeeper server's threads (told by name), and of that the
            JVM's own compiler and collector threads (`/proc/self/task`; a code path the JVM has not
            finished compiling pays for its compilation here), the ZooKeeper server's threads
            (a deployment runs them on machines of its own), and both PostgreSQL servers' processes
            (`/proc`, clock ticks of 10 ms; the postmaster, its children and the children it reaped).
            Cores busy: the same CPU time of a round (this JVM and PostgreSQL) over the round's wall
            time and the machine's cores, the median over rounds: near 100%, the group measures the
            machine's CPU, not the contestant's waiting. Thread sleeps (Baton rows only): the voluntary
            context switches per transfer of the JVM's threads that live through the round
            (`/proc/self/task/*/status`), less the ZooKeeper server's, the median over rounds. The
            harness starts its callers anew each round, so this counts Baton's pools and its
            ZooKeeper clients' threads, not the callers'. Each is a thread that waited for another
            thread, a lock or a socket, so about as many wake-ups, which cost CPU on both sides.
            After the measured rounds, one unmeasured 2 s window per Baton
            contestant at 32 callers is sampled every 20 ms for where its threads are (printed with
            the run's output).

            **ZooKeeper's own latency under each contestant's load.** After a contestant's rounds in
            each throughput group, its callers run one more unmeasured window (2 s) while a ZooKeeper
            session of its own creates a 120-byte ephemeral sequential node every 10 ms, one at a time,
            and times each create: on the contestant's own servers (on the ensemble, the follower its
            sessions use), or on the single server for the contestants that use no ZooKeeper. The group gives their p50 and p99. It tells how long one
            sequential ZooKeeper step takes under that load with nothing of the contestant's ahead of it
            in the session: the least that each of a coordinator's steps in sequence costs there. The
            windows' fsyncs and transfers are left out of the fsyncs per transfer.
            """;

    private final Harness harness;
    private final boolean quick;
    private final int sampleEvery;
    private final Path temp;
    private final String forceSyncBefore;
    private final XaBank bank;
    private final TestingServer zooKeeper;
    private final TestingCluster ensemble;
    private final CpuMeter cpu;
    /** Counts by row label, kept across groups; reported summed by contestant family. */
    private final Map<String, XaCounts> counts = new LinkedHashMap<>();
    private final Map<String, String> familyOf = new LinkedHashMap<>();
    /** ZooKeeper's fsyncs during the create probe's windows, left out of the fsyncs per transfer. */
    private long probeFsyncs;
    /** Transfers of contestants that write to ZooKeeper, made during the probe's windows. */
    private long probeTransfers;

    /**
     * One contestant: its family (the name its counts are reported under), whether its caller's
     * {@code transfer} returns before the branches are committed (Baton, at the decision), and how
     * to build it.
     */
    record XaContestant(String family, boolean commitsAfterReturn, List<Integer> zooKeeperPorts,
            XaEngines.Factory factory) {
    }

    /** Whether {@code only} selects this family alone, so that the lock benchmarks' servers need not start. */
    static boolean onlyXa(String only) {
        return only.toLowerCase(Locale.ROOT).contains("xa");
    }

    /** Runs the family's groups that {@code harness} includes, on servers started for them. */
    static List<Row> run(Harness harness, boolean quick) throws Exception {
        List<String> groups = new ArrayList<>(List.of(DISK, LATENCY));
        for (int callers : callers(quick)) {
            groups.add(throughputGroup(callers));
        }
        if (groups.stream().noneMatch(harness.settings()::includes)) {
            return List.of();
        }
        try (XaBench bench = new XaBench(harness, quick)) {
            return bench.all();
        }
    }

    private static int[] callers(boolean quick) {
        return quick ? new int[] {8} : new int[] {1, 8, 32};
    }

    static String throughputGroup(int callers) {
        return SETTINGS + ": " + callers + " concurrent callers (transfers/s)";
    }

    static String createGroup(int callers) {
        return FAMILY + ": ZooKeeper create latency on a session of its own while the contestant runs "
                + callers + " concurrent caller" + (callers == 1 ? "" : "s")
                + " (an unmeasured window after its rounds)";
    }

    static String cpuGroup(int callers) {
        return FAMILY + ": CPU per transfer at " + callers + " concurrent callers, whole machine (median of the"
                + " throughput rounds)";
    }

    private XaBench(Harness harness, boolean quick) throws Exception {
        this.harness = harness;
        this.quick = quick;
        this.sampleEvery = quick ? 3 : 200;
        this.temp = Files.createTempDirectory("baton-xa-");
        // FileTxnLog reads zookeeper.forceSync when a server opens its log: these servers fsync
        // every write batch, as ZooKeeper does by default. Restored on close.
        this.forceSyncBefore = System.getProperty("zookeeper.forceSync");
        System.setProperty("zookeeper.forceSync", "yes");
        XaBank startedBank = null;
        TestingServer single = null;
        TestingCluster three = null;
        List<Long> postmasters;
        try {
            startedBank = XaBank.start();
            postmasters = startedBank.postmasters();
            single = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, 2000, 0, Map.of(), "127.0.0.1"), true);
            if (!quick) {
                List<InstanceSpec> specs = new ArrayList<>();
                for (int id = 1; id <= 3; id++) {
                    specs.add(new InstanceSpec(null, -1, -1, -1, true, id, 500, 0, null, "127.0.0.1"));
                }
                three = new TestingCluster(specs);
                three.start();
            }
        } catch (Exception e) {
            closeQuietly(three);
            closeQuietly(single);
            closeQuietly(startedBank);
            restoreForceSync();
            throw e;
        }
        this.bank = startedBank;
        this.zooKeeper = single;
        this.ensemble = three;
        this.cpu = new CpuMeter(postmasters);
    }

    /** The contestants in the order of their rows; the floor first, as the baseline. */
    private List<XaContestant> contestants() {
        List<XaContestant> all = new ArrayList<>();
        all.add(new XaContestant(FLOOR, false, List.of(), XaEngines::floor));
        all.add(new XaContestant(ATOMIKOS, false, List.of(), (bank, check, pool) ->
                XaEngines.atomikos(bank, check, pool, temp.resolve("atomikos-" + System.nanoTime()))));
        all.add(new XaContestant(NARAYANA, false, List.of(), (bank, check, pool) ->
                XaEngines.narayana(bank, check, pool, narayanaStore())));
        List<Integer> one = List.of(zooKeeper.getPort());
        all.add(new XaContestant(ZK_FLOOR_ONE, false, one, (bank, check, pool) ->
                XaEngines.floorWithZooKeeper(bank, check, pool, zooKeeper.getConnectString())));
        all.add(new XaContestant(INPROC_ONE, false, one, (bank, check, pool) ->
                XaEngines.batonInProcess(bank, check, pool, zooKeeper.getConnectString())));
        all.add(new XaContestant(BATON_ONE, true, one, (bank, check, pool) ->
                XaEngines.baton(bank, check, pool, zooKeeper.getConnectString())));
        if (ensemble != null) {
            List<Integer> three = ensemble.getInstances().stream().map(InstanceSpec::getPort).toList();
            all.add(new XaContestant(ZK_FLOOR_THREE, false, three, (bank, check, pool) ->
                    XaEngines.floorWithZooKeeper(bank, check, pool, follower())));
            all.add(new XaContestant(INPROC_THREE, false, three, (bank, check, pool) ->
                    XaEngines.batonInProcess(bank, check, pool, follower())));
            all.add(new XaContestant(BATON_THREE, true, three, (bank, check, pool) ->
                    XaEngines.baton(bank, check, pool, follower())));
        }
        return only(all, System.getProperty(ONLY_PROPERTY, ""));
    }

    /**
     * {@code 127.0.0.1:<port>} of the ensemble's first follower, by its {@code mntr}: every session
     * of an ensemble contestant connects there, so that none of them saves the forward to the
     * leader that the others pay.
     */
    private String follower() {
        for (InstanceSpec instance : ensemble.getInstances()) {
            try {
                if ("follower".equals(ZooKeeperScaling.serverState(instance.getPort()))) {
                    return "127.0.0.1:" + instance.getPort();
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read mntr of the server on port " + instance.getPort(), e);
            }
        }
        throw new IllegalStateException("the ensemble has no follower: " + ensemble.getConnectString());
    }

    /**
     * The floor and the contestants whose family contains one of {@code filter}'s parts, separated
     * by {@code ;} (families contain commas); all of them when it is blank. For profiling one
     * contestant: the run's ratios then lack the contestants left out.
     *
     * @throws IllegalArgumentException if {@code filter} is not blank and names no contestant but the floor
     */
    static List<XaContestant> only(List<XaContestant> all, String filter) {
        if (filter.isBlank()) {
            return all;
        }
        List<String> parts = java.util.Arrays.stream(filter.split(";"))
                .map(String::trim)
                .filter(part -> !part.isEmpty())
                .toList();
        List<XaContestant> kept = new ArrayList<>();
        for (XaContestant contestant : all) {
            if (contestant.family().equals(FLOOR) || parts.stream().anyMatch(contestant.family()::contains)) {
                kept.add(contestant);
            }
        }
        if (kept.size() == 1) {
            throw new IllegalArgumentException(ONLY_PROPERTY + "=" + filter + " names no contestant; they are: "
                    + all.stream().map(XaContestant::family).toList());
        }
        return kept;
    }

    private List<Row> all() throws Exception {
        long fsyncsBefore = zooKeeperFsyncs();
        List<Row> rows = new ArrayList<>(disk());
        warmUp();
        rows.addAll(latency());
        for (int callers : callers(quick)) {
            rows.addAll(throughput(callers));
        }
        rows.addAll(scaling(rows));
        rows.addAll(calls(zooKeeperFsyncs() - fsyncsBefore - probeFsyncs));
        System.out.println(FAMILY + " audit: " + bank.audit() + "; Narayana's store: " + XaEngines.narayanaStore());
        return rows;
    }

    /**
     * Runs every contestant at 8 callers, unmeasured, before any group, in steps of {@link #WARM_UP}
     * until it has done {@link #WARM_UP_TRANSFERS} transfers or run {@link #WARM_UP_LIMIT}: the JVM
     * compiles a code path by how often it runs, so a contestant doing 100 transfers a second would
     * still be compiling during its measured rounds after the harness's 2 s of warm-up, and pay for
     * it in latency, throughput and CPU (the distributed path's CPU per transfer was 14 ms after 2 s
     * and 5 ms after 30 s, on the same machine). A fixed 15 s was still too short for the slower
     * contestants: the distributed path did about 3,000 transfers in it, short of the 5,000 to
     * 15,000 calls after which HotSpot's optimising compiler takes a method, and its compiler
     * threads still used 280 µs of CPU per transfer at 32 callers (63 and 165 µs in two full runs
     * with this warm-up). A count, not a time, treats a slow and a fast contestant alike. A service runs
     * for hours; so does its JIT-compiled code. Skipped in quick mode and when no latency or
     * throughput group runs.
     */
    private void warmUp() throws Exception {
        List<String> measured = new ArrayList<>(List.of(LATENCY));
        for (int callers : callers(quick)) {
            measured.add(throughputGroup(callers));
        }
        if (quick || measured.stream().noneMatch(harness.settings()::includes)) {
            return;
        }
        int callers = 8;
        for (XaContestant contestant : contestants()) {
            XaCounts counted = counts(contestant.family() + ": warm-up", contestant.family());
            PrepareCheck check = new PrepareCheck(counted, List.of(bank.url(0), bank.url(1)), sampleEvery);
            XaEngines.TransferEngine engine = open(contestant, check); // closes check if it throws
            try (check; engine) {
                List<Harness.Op> ops = new ArrayList<>();
                for (int caller = 0; caller < callers; caller++) {
                    int mine = caller;
                    ops.add(() -> transfer(engine, counted, XaBank.Transfer.draw(nextId(), mine, callers)));
                }
                long started = System.nanoTime();
                Duration ran;
                do {
                    ZooKeeperBench.parallel(ops).runFor(WARM_UP);
                    ran = Duration.ofNanos(System.nanoTime() - started);
                } while (counted.transfers.get() < WARM_UP_TRANSFERS && ran.compareTo(WARM_UP_LIMIT) < 0);
                counted.awaitBranchesCommitted(60_000);
                engine.quiesce();
                System.out.println(FAMILY + " warm-up: " + contestant.family() + ", " + counted.transfers.get()
                        + " transfers in " + ran.toSeconds() + " s");
            }
        }
    }

    private List<Row> disk() throws Exception {
        Harness.Contestant<Harness.Op> append = Contestants.of("512-byte append + force(false)", () -> {
            FileChannel channel = FileChannel.open(temp.resolve("disk-reference"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            ByteBuffer block = ByteBuffer.allocate(512);
            return new Harness.Opened<Harness.Op>(() -> {
                block.clear();
                channel.write(block);
                channel.force(false);
            }, channel);
        });
        return harness.latency(DISK, List.of(append));
    }

    private List<Row> latency() throws Exception {
        List<Harness.Contestant<Harness.Op>> rows = new ArrayList<>();
        List<String> batonRows = new ArrayList<>();
        for (XaContestant contestant : contestants()) {
            if (!contestant.commitsAfterReturn()) {
                rows.add(latencyRow(contestant.family(), contestant, false));
                if (!contestant.zooKeeperPorts().isEmpty()) {
                    batonRows.add(contestant.family());
                }
                continue;
            }
            for (boolean toBranches : new boolean[] {false, true}) {
                String label = contestant.family() + (toBranches ? TO_BRANCHES : TO_DECISION);
                rows.add(latencyRow(label, contestant, toBranches));
                batonRows.add(label);
            }
        }
        return harness.latency(LATENCY, rows, versus(batonRows));
    }

    private Harness.Contestant<Harness.Op> latencyRow(String label, XaContestant contestant, boolean toBranches) {
        XaCounts counted = counts(label, contestant.family());
        return Contestants.of(label, () -> {
            PrepareCheck check = new PrepareCheck(counted, List.of(bank.url(0), bank.url(1)), sampleEvery);
            XaEngines.TransferEngine engine = open(contestant, check);
            Harness.Op op = () -> {
                if (transfer(engine, counted, XaBank.Transfer.draw(nextId(), 0, 1)) && toBranches) {
                    counted.awaitBranchesCommitted(60_000);
                }
            };
            return new Harness.Opened<>(op, () -> counted.awaitBranchesCommitted(60_000), engine, check);
        });
    }

    private List<Row> throughput(int callers) throws Exception {
        List<Harness.Contestant<Harness.Workload>> rows = new ArrayList<>();
        List<String> batonRows = new ArrayList<>();
        Map<String, List<CpuRound>> cpuRounds = new LinkedHashMap<>();
        Map<String, double[]> creates = new LinkedHashMap<>();
        for (XaContestant contestant : contestants()) {
            String label = contestant.family() + (contestant.commitsAfterReturn() ? TO_BRANCHES : "");
            List<CpuRound> spentPerRound = new ArrayList<>();
            cpuRounds.put(label, spentPerRound);
            if (!contestant.zooKeeperPorts().isEmpty()) {
                batonRows.add(label);
            }
            XaCounts counted = counts(label, contestant.family());
            rows.add(Contestants.of(label, () -> {
                PrepareCheck check = new PrepareCheck(counted, List.of(bank.url(0), bank.url(1)), sampleEvery);
                XaEngines.TransferEngine engine = open(contestant, check);
                List<Harness.Op> ops = new ArrayList<>();
                for (int caller = 0; caller < callers; caller++) {
                    int mine = caller;
                    ops.add(() -> transfer(engine, counted, XaBank.Transfer.draw(nextId(), mine, callers)));
                }
                Harness.Workload parallel = ZooKeeperBench.parallel(ops);
                // Transfers whose branches are all committed: Baton's hosts commit after commit()
                // returns, so the round ends when they are done, and that time counts; so does the
                // wait for Baton's clean-up, so that the round's ZooKeeper requests are its own.
                List<Integer> ports = contestant.zooKeeperPorts();
                int[] calls = {0};
                // The counters are read outside the CPU reading: mntr computes every metric of the
                // server (percentiles included), CPU the transfers did not spend.
                Harness.Workload workload = duration -> {
                    long requestsBefore = ports.isEmpty() ? 0 : packetsReceived(ports);
                    long eventsBefore = ports.isEmpty() ? 0 : watchEvents();
                    CpuMeter.Reading cpuBefore = cpu.read();
                    long startedNanos = System.nanoTime();
                    long before = counted.transfers.get();
                    parallel.runFor(duration);
                    counted.awaitBranchesCommitted(60_000);
                    engine.quiesce();
                    long done = counted.transfers.get() - before;
                    CpuMeter.Reading spent = cpu.read().since(cpuBefore);
                    long elapsedNanos = System.nanoTime() - startedNanos;
                    if (!ports.isEmpty()) {
                        long requests = packetsReceived(ports) - requestsBefore;
                        counted.zooKeeperRound(callers, requests, done);
                        counted.zooKeeperRequests.addAndGet(requests);
                        counted.zooKeeperWatchEvents.addAndGet(watchEvents() - eventsBefore);
                        counted.zooKeeperTransfers.addAndGet(done);
                    }
                    if (calls[0]++ > 0 && done > 0) { // the first call is the warm-up
                        spentPerRound.add(new CpuRound(spent, done, elapsedNanos));
                    }
                    return done;
                };
                // After the measured rounds, unmeasured windows (probing and sampling cost time):
                // ZooKeeper's create latency under this load, and where Baton's threads are at the
                // highest concurrency.
                String probed = ports.isEmpty() ? zooKeeper.getConnectString()
                        : ports.size() > 1 ? follower() : CreateProbe.loopback(ports);
                AutoCloseable profile = () -> {
                    creates.put(label, probedWindow(parallel, counted, probed, !ports.isEmpty()));
                    if (!quick && callers == 32 && label.startsWith("Baton")) {
                        sampledWindow(label, callers, parallel, counted);
                    }
                };
                return new Harness.Opened<>(workload, profile, engine, check);
            }));
        }
        List<Row> measured = new ArrayList<>(harness.throughput(throughputGroup(callers), rows, versus(batonRows)));
        if (!measured.isEmpty()) { // the CPU and create rows come with their throughput group
            measured.addAll(cpuRows(callers, cpuRounds));
            creates.forEach((label, millis) -> measured.add(new Row(createGroup(callers),
                    label + " (" + millis.length + " creates)", "ms", Stats.median(millis),
                    Stats.percentile(millis, 0.99), Double.NaN, Double.NaN, Double.NaN, false)));
        }
        return measured;
    }

    /**
     * CPU per transfer by contestant: the JVM less the ZooKeeper server's threads (callers,
     * transaction manager, pools, drivers, ZooKeeper client; and of it, the JIT compilers and the GC),
     * the ZooKeeper server's threads (which a deployment runs on machines of its own),
     * PostgreSQL's processes, and their sum; each the
     * median of the rounds, in µs. Rounds include the wait for a contestant's clean-up. And the
     * share of the machine's cores the round kept busy (its CPU time over wall time times cores).
     */
    private static List<Row> cpuRows(int callers, Map<String, List<CpuRound>> cpuRounds) {
        List<Row> out = new ArrayList<>();
        cpuRounds.forEach((label, rounds) -> {
            if (rounds.isEmpty()) {
                return;
            }
            double[] busy = rounds.stream().mapToDouble(CpuRound::busyPercent).toArray();
            out.add(new Row(cpuGroup(callers), label + ": cores busy (this JVM and PostgreSQL, share of " + CORES + ")",
                    "%", Stats.median(busy), Double.NaN, Stats.min(busy), Stats.max(busy), Double.NaN, false));
            out.add(cpuRow(callers, label + ": all", rounds, r -> r.jvm() + r.postgres()));
            out.add(cpuRow(callers, label + ": JVM less ZooKeeper server", rounds, CpuMeter.Reading::jvmLessZooKeeper));
            out.add(cpuRow(callers, label + ": of which JIT compilers", rounds, CpuMeter.Reading::jit));
            out.add(cpuRow(callers, label + ": of which GC", rounds, CpuMeter.Reading::gc));
            out.add(cpuRow(callers, label + ": ZooKeeper server threads", rounds, CpuMeter.Reading::zooKeeperServer));
            out.add(cpuRow(callers, label + ": PostgreSQL processes", rounds, CpuMeter.Reading::postgres));
            if (label.startsWith("Baton")) {
                // Only threads alive at both readings count, and the harness starts its callers
                // anew each round: so these are Baton's own threads, not the callers'.
                double[] switches = rounds.stream().mapToDouble(r -> r.spent().switches() / (double) r.transfers())
                        .toArray();
                out.add(new Row(cpuGroup(callers), label + ": thread sleeps (Baton's pools and ZooKeeper client"
                        + " threads, voluntary context switches)", "switches", Stats.median(switches), Double.NaN,
                        Stats.min(switches), Stats.max(switches), Double.NaN, false));
            }
        });
        return out;
    }

    private static Row cpuRow(int callers, String name, List<CpuRound> rounds,
            ToLongFunction<CpuMeter.Reading> part) {
        double[] micros = rounds.stream().mapToDouble(r -> part.applyAsLong(r.perTransfer()) / 1_000.0).toArray();
        return new Row(cpuGroup(callers), name, "µs", Stats.median(micros), Double.NaN, Stats.min(micros),
                Stats.max(micros), Double.NaN, false);
    }

    /** What one throughput round spent: CPU, over how many transfers and how long. */
    private record CpuRound(CpuMeter.Reading spent, long transfers, long elapsedNanos) {

        CpuMeter.Reading perTransfer() {
            return spent.per(transfers);
        }

        /** This JVM's and PostgreSQL's CPU time over the round's wall time and the machine's cores. */
        double busyPercent() {
            return 100.0 * (spent.jvm() + spent.postgres()) / (elapsedNanos * (double) CORES);
        }
    }

    /** Each contestant's median throughput at 32 callers over its median at 1, where both groups ran. */
    private static List<Row> scaling(List<Row> rows) {
        List<Row> out = new ArrayList<>();
        for (Row many : rows) {
            if (!many.group().equals(throughputGroup(32)) || many.unit().equals(Row.TIMES)) {
                continue;
            }
            rows.stream().filter(one -> one.group().equals(throughputGroup(1)) && one.contestant().equals(many.contestant()))
                    .findFirst().ifPresent(one -> out.add(new Row(SCALING, many.contestant(), Row.TIMES,
                            many.median() / one.median(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, true)));
        }
        return out;
    }

    /**
     * Runs the contestant's callers for one more window, unmeasured, while a {@link CreateProbe}
     * times ZooKeeper's creates on a session of its own: on the contestant's own servers, or on the
     * single server for a contestant that writes nothing to ZooKeeper. The same probe under every
     * contestant's load tells how long one sequential ZooKeeper step takes there, whoever sends it:
     * on two cores shared with PostgreSQL and the callers, the load, not the ZooKeeper traffic,
     * sets it. The window's fsyncs, and its transfers, are left out of the fsyncs per transfer.
     *
     * @return each create's time, ms
     */
    private double[] probedWindow(Harness.Workload parallel, XaCounts counted, String connectString,
            boolean writesToZooKeeper) throws Exception {
        long fsyncsBefore = zooKeeperFsyncs();
        long transfersBefore = counted.transfers.get();
        double[] millis;
        try (CreateProbe probe = CreateProbe.start(connectString)) {
            parallel.runFor(quick ? Duration.ofMillis(500) : Duration.ofSeconds(2));
            millis = probe.stop();
            counted.awaitBranchesCommitted(60_000);
        }
        probeFsyncs += zooKeeperFsyncs() - fsyncsBefore;
        if (writesToZooKeeper) {
            probeTransfers += counted.transfers.get() - transfersBefore;
        }
        return millis;
    }

    private static void sampledWindow(String label, int callers, Harness.Workload parallel, XaCounts counted)
            throws Exception {
        ThreadSampler sampler = ThreadSampler.start(Duration.ofMillis(20));
        try {
            parallel.runFor(Duration.ofSeconds(2));
            counted.awaitBranchesCommitted(60_000);
        } finally {
            sampler.close();
        }
        System.out.println("Thread samples, " + label + ", " + callers + " callers, an unmeasured 2 s window: "
                + sampler.summary(30));
    }

    private XaEngines.TransferEngine open(XaContestant contestant, PrepareCheck check) throws Exception {
        try {
            return contestant.factory().open(bank, check, POOL_SIZE);
        } catch (Exception e) {
            closeQuietly(check);
            throw e;
        }
    }

    /**
     * Runs one transfer and counts it. A failure is counted and the run goes on, unless failures
     * pass 1% of the transfers (and 20 in all): then it is thrown.
     *
     * @return whether the transfer committed
     */
    private static boolean transfer(XaEngines.TransferEngine engine, XaCounts counted, XaBank.Transfer transfer)
            throws Exception {
        try {
            engine.transfer(transfer);
        } catch (Exception e) {
            long failed = counted.failedTransfers.incrementAndGet();
            if (failed > 20 && failed > counted.transfers.get() / 100) {
                throw e;
            }
            return false;
        }
        counted.transfers.incrementAndGet();
        return true;
    }

    private static List<Harness.Versus> versus(List<String> batonRows) {
        List<Harness.Versus> pairs = new ArrayList<>();
        for (String baton : batonRows) {
            pairs.add(new Harness.Versus(baton, ATOMIKOS));
            pairs.add(new Harness.Versus(baton, NARAYANA));
        }
        return pairs;
    }

    private XaCounts counts(String label, String family) {
        familyOf.put(label, family);
        return counts.computeIfAbsent(label, XaCounts::new);
    }

    /** What each family did per transfer, over all its rows and groups; and ZooKeeper's fsyncs. */
    private List<Row> calls(long zooKeeperFsyncs) {
        List<Row> rows = new ArrayList<>();
        Map<String, XaCounts> byFamily = new LinkedHashMap<>();
        counts.forEach((label, counted) -> byFamily.computeIfAbsent(familyOf.get(label), XaCounts::new).add(counted));
        long zooKeeperTransfers = 0;
        for (XaCounts family : byFamily.values()) {
            String name = family.contestant;
            long transfers = family.transfers.get();
            if (name.startsWith("Baton") || name.startsWith(ZK_FLOOR)) {
                zooKeeperTransfers += transfers;
            }
            rows.add(counted(name + ": prepares per transfer (of " + Report.number(transfers) + " transfers)",
                    "prepares", family.perTransfer(family.prepares)));
            rows.add(counted(name + ": prepares answered XA_RDONLY per transfer", "prepares",
                    family.perTransfer(family.readOnlyPrepares)));
            rows.add(counted(name + ": second-phase commits per transfer", "commits", family.perTransfer(family.twoPhaseCommits)));
            rows.add(counted(name + ": one-phase commits per transfer", "commits", family.perTransfer(family.onePhaseCommits)));
            rows.add(counted(name + ": rollbacks per transfer", "rollbacks", family.perTransfer(family.rollbacks)));
            rows.add(counted(name + ": failed transfers", "transfers", family.failedTransfers.get()));
            rows.add(counted(name + ": physical XA connections opened, both servers, all its rows", "connections",
                    family.connectionsOpened.get()));
            if (family.zooKeeperTransfers.get() > 0) {
                rows.add(counted(name + ": ZooKeeper requests per transfer (cons, throughput rounds, "
                        + Report.number(family.zooKeeperTransfers.get()) + " transfers)", "requests",
                        family.zooKeeperRequests.get() / (double) family.zooKeeperTransfers.get()));
                rows.add(counted(name + ": ZooKeeper watch events sent per transfer (mntr, the same rounds)", "events",
                        family.zooKeeperWatchEvents.get() / (double) family.zooKeeperTransfers.get()));
                new java.util.TreeMap<>(family.zooKeeperByCallers).forEach((callers, counted) -> {
                    if (counted[1] > 0) {
                        rows.add(counted(name + ": ZooKeeper requests per transfer at " + callers + " caller"
                                + (callers == 1 ? "" : "s") + " (" + Report.number(counted[1]) + " transfers)",
                                "requests", counted[0] / (double) counted[1]));
                    }
                });
            }
            long sampled = family.sampled.get();
            rows.add(counted(name + ": both branches in pg_prepared_xacts at the first commit, in "
                    + Report.number(sampled) + " sampled transfers", "%",
                    sampled == 0 ? Double.NaN : 100.0 * family.seenPrepared.get() / sampled));
            if (family.seenPrepared.get() != sampled) {
                System.out.println(name + ": branches not prepared at commit, for instance " + family.missing());
            }
        }
        zooKeeperTransfers -= probeTransfers;
        rows.add(counted("ZooKeeper fsyncs per transfer of the contestants that write to it (Baton's and the floors"
                + " with a create; mntr, all servers of both set-ups; the create probe's windows left out)", "fsyncs",
                zooKeeperTransfers == 0 ? Double.NaN : zooKeeperFsyncs / (double) zooKeeperTransfers));
        return rows;
    }

    private static Row counted(String name, String unit, double value) {
        return new Row(CALLS, name, unit, value, Double.NaN, Double.NaN, Double.NaN, Double.NaN, false);
    }

    /**
     * Packets (requests and pings) the servers at {@code ports} have received on their open client
     * connections, summed: {@code recved} of each session's line in {@code cons}. Not {@code mntr}'s
     * zk_packets_received: with the ensemble's servers in the same JVM it stays near zero.
     */
    private static long packetsReceived(List<Integer> ports) throws IOException {
        long sum = 0;
        for (int port : ports) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write("cons".getBytes(StandardCharsets.US_ASCII));
                for (String line : new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                    Matcher received = RECEIVED.matcher(line);
                    if (line.contains("sid=0x") && received.find()) {
                        sum += Long.parseLong(received.group(1));
                    }
                }
            }
        }
        return sum;
    }

    private static final Pattern RECEIVED = Pattern.compile("recved=(\\d+)");

    private static long mntr(int port, String key) throws IOException {
        return mntr(port, List.of(key));
    }

    /** The sum of {@code keys}' values in one {@code mntr} of the server at {@code port} (each call computes every metric). */
    private static long mntr(int port, List<String> keys) throws IOException {
        long sum = 0;
        int found = 0;
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write("mntr".getBytes(StandardCharsets.US_ASCII));
            for (String line : new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                String[] parts = line.split("\t");
                if (parts.length == 2 && keys.contains(parts[0])) {
                    sum += Long.parseLong(parts[1].trim());
                    found++;
                }
            }
        }
        if (found != keys.size()) {
            throw new IOException("mntr on port " + port + " gave " + found + " of " + keys);
        }
        return sum;
    }

    /**
     * How many times this JVM's ZooKeeper servers have fsynced their transaction logs, from the
     * single server's {@code mntr}: the servers of one JVM share their metrics.
     */
    private long zooKeeperFsyncs() throws IOException {
        return mntr(zooKeeper.getPort(), "zk_cnt_fsynctime");
    }

    /**
     * Watch events this JVM's ZooKeeper servers have sent (node created, deleted, changed, children
     * changed; one per watcher triggered), from the single server's {@code mntr}: the servers of one
     * JVM share their metrics, so this counts the ensemble's too.
     */
    private long watchEvents() throws IOException {
        return mntr(zooKeeper.getPort(), List.of("created", "deleted", "changed", "children").stream()
                .map(kind -> "zk_sum_node_" + kind + "_watch_count").toList());
    }

    private static String nextId() {
        return "t" + TRANSFER_IDS.incrementAndGet();
    }

    private static Path narayanaStoreDir;

    /** Narayana's object store: one directory per JVM, since Narayana reads its configuration once. */
    private static synchronized Path narayanaStore() throws IOException {
        if (narayanaStoreDir == null) {
            narayanaStoreDir = Files.createTempDirectory("baton-xa-narayana-");
        }
        return narayanaStoreDir;
    }

    /** A dependency's version from the {@code pom.properties} in its jar. */
    private static String version(String group, String artifact) {
        try (InputStream in = XaBench.class.getResourceAsStream("/META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            if (in == null) {
                return "(version unknown)";
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", "(version unknown)");
        } catch (IOException e) {
            return "(version unknown)";
        }
    }

    @Override
    public void close() {
        closeQuietly(ensemble);
        closeQuietly(zooKeeper);
        closeQuietly(bank);
        restoreForceSync();
        deleteQuietly(temp);
        synchronized (XaBench.class) {
            if (narayanaStoreDir != null) {
                XaEngines.stopNarayana();
                deleteQuietly(narayanaStoreDir);
            }
        }
    }

    private void restoreForceSync() {
        if (forceSyncBefore == null) {
            System.clearProperty("zookeeper.forceSync");
        } else {
            System.setProperty("zookeeper.forceSync", forceSyncBefore);
        }
    }

    private static void closeQuietly(AutoCloseable resource) {
        if (resource == null) {
            return;
        }
        try {
            resource.close();
        } catch (Exception e) {
            // shutting down: nothing useful to do with it
        }
    }

    private static void deleteQuietly(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }
}
