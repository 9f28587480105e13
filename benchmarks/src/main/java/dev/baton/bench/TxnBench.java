package dev.baton.bench;

import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.participant.Participant;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.TransactionBuilder;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.Vote;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The 2PC rows: commit latency against three sequential ZooKeeper writes, throughput under
 * concurrency against the write ceiling, and ZooKeeper writes per transaction, counted from the
 * server's zxid.
 */
final class TxnBench {

    private static final byte[] PAYLOAD = "x".getBytes(StandardCharsets.UTF_8);
    private static final java.util.concurrent.atomic.AtomicInteger ROOTS = new java.util.concurrent.atomic.AtomicInteger();

    private final ZooKeeperBench zk;
    private final Harness harness;
    private final int serverPort;

    TxnBench(ZooKeeperBench zk, Harness harness, int serverPort) {
        this.zk = zk;
        this.harness = harness;
        this.serverPort = serverPort;
    }

    List<Row> all(double writeCeiling, int[] participantCounts, int[] concurrencies) throws Exception {
        List<Row> rows = new ArrayList<>();
        rows.addAll(latency(participantCounts));
        for (int n : participantCounts) {
            rows.addAll(throughput(n, concurrencies, writeCeiling));
        }
        return rows;
    }

    private List<Row> latency(int[] participantCounts) throws Exception {
        List<Harness.Contestant<Harness.Op>> contestants = new ArrayList<>();
        contestants.add(Contestants.of("floor: 3 sequential sync creates", () -> {
            CuratorFramework curator = zk.curator();
            ZooKeeper handle = curator.getZookeeperClient().getZooKeeper();
            return new Harness.Opened<Harness.Op>(() -> {
                for (int i = 0; i < 3; i++) {
                    handle.create("/bench-3w", PAYLOAD, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
                }
            }, curator);
        }));
        for (int n : participantCounts) {
            for (Placement placement : Placement.values()) {
                contestants.add(Contestants.of(label(n, placement), () -> {
                    Setup setup = new Setup(n, placement);
                    return new Harness.Opened<Harness.Op>(() -> setup.transaction().commit(), setup);
                }));
            }
        }
        return harness.latency("2PC: commit latency at concurrency 1", contestants);
    }

    private List<Row> throughput(int n, int[] concurrencies, double writeCeiling) throws Exception {
        List<Row> rows = new ArrayList<>();
        for (int concurrency : concurrencies) {
            String group = "2PC: " + n + " participants, concurrency " + concurrency + " (txn/s)";
            if (!harness.settings().includes(group)) {
                continue;
            }
            double[] writesPerTxn = new double[2];
            Harness.Contestant<Harness.Workload> contestant = Contestants.of(label(n, Placement.OTHER_JVM), () -> {
                Setup setup = new Setup(n, Placement.OTHER_JVM);
                double[] counted = setup.writesPerTransaction(20);
                writesPerTxn[0] = counted[0];
                writesPerTxn[1] = counted[1];
                List<Harness.Op> ops = new ArrayList<>();
                for (int t = 0; t < concurrency; t++) {
                    ops.add(() -> setup.transaction().commit());
                }
                return new Harness.Opened<>(ZooKeeperBench.parallel(ops), setup);
            });
            List<Row> measured = harness.throughput(group, List.of(contestant));
            rows.addAll(measured);
            double bound = writeCeiling / writesPerTxn[0];
            rows.add(new Row(group, "ZooKeeper requests per transaction, reads and writes (counted)", "requests",
                    writesPerTxn[1], Double.NaN, Double.NaN, Double.NaN, Double.NaN, false));
            rows.add(new Row(group, "ZooKeeper writes per transaction (counted)", "writes", writesPerTxn[0], Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, false));
            rows.add(new Row(group, "throughput ÷ (write ceiling ÷ writes per txn)", "", measured.get(0).median() / bound,
                    Double.NaN, Double.NaN, Double.NaN, Double.NaN, true));
        }
        return rows;
    }

    /** Where the participants' hosts run. */
    enum Placement {
        SHARED_SESSION("in-process hosts sharing the coordinator's session"),
        OWN_SESSIONS("in-process hosts with their own sessions"),
        OTHER_JVM("ParticipantHost in another JVM");

        final String label;

        Placement(String label) {
            this.label = label;
        }
    }

    private static String label(int n, Placement placement) {
        return n + " participants, " + placement.label;
    }

    /** A coordinator and n always-YES participants, hosted as {@code placement} says. */
    private final class Setup implements AutoCloseable {
        private final List<AutoCloseable> resources = new ArrayList<>();
        private final TransactionCoordinator coordinator;
        private final int n;
        private final String prefix;

        Setup(int n, Placement placement) throws Exception {
            this.n = n;
            this.prefix = "p" + System.nanoTime() % 100_000 + "-";
            // A root of its own, so that the other contestants' coordinators do not follow these
            // transactions: they are open at the same time, idle, while this one is measured.
            ZooKeeperLockOptions options = ZooKeeperLockOptions.defaults().withRootPath("/bench-txn-" + ROOTS.incrementAndGet());
            CuratorFramework shared = zk.curator();
            resources.add(0, shared);
            if (placement == Placement.OTHER_JVM) {
                List<String> names = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    names.add(prefix + i);
                }
                resources.add(0, HostMain.start(zk.connectString(), options.rootPath(), names));
            }
            for (int i = 0; i < n && placement != Placement.OTHER_JVM; i++) {
                CuratorFramework session = placement == Placement.OWN_SESSIONS ? zk.curator() : shared;
                if (session != shared) {
                    resources.add(0, session);
                }
                resources.add(0, ParticipantHost.builder(session).options(options).participant(prefix + i, new Yes()).start());
            }
            coordinator = TransactionCoordinator.builder(shared).options(options).start();
            resources.add(0, coordinator);
        }

        TransactionBuilder transaction() {
            TransactionBuilder txn = coordinator.begin().timeout(Duration.ofSeconds(30));
            for (int i = 0; i < n; i++) {
                txn.branch(prefix + i, PAYLOAD);
            }
            return txn;
        }

        /**
         * Runs transactions one at a time and counts the server's zxids they used (writes) and the
         * requests it received (reads and writes, from every session; the two four-letter
         * commands that read the count add one each, subtracted).
         */
        double[] writesPerTransaction(int transactions) throws Exception {
            transaction().commit();
            Thread.sleep(300);
            long before = zxid();
            long requestsBefore = ZooKeeperScaling.packetsReceived(serverPort);
            for (int i = 0; i < transactions; i++) {
                transaction().commit();
            }
            Thread.sleep(500); // acks and collection happen after commit() returns; let them land
            long requests = ZooKeeperScaling.packetsReceived(serverPort) - requestsBefore - 1;
            return new double[] {(zxid() - before) / (double) transactions, requests / (double) transactions};
        }

        @Override
        public void close() throws Exception {
            for (AutoCloseable resource : resources) {
                resource.close();
            }
        }
    }

    /** The server's last zxid (its low 32 bits count transactions within the epoch). */
    private long zxid() throws IOException {
        try (Socket socket = new Socket("127.0.0.1", serverPort)) {
            socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
            String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            for (String line : reply.split("\n")) {
                if (line.startsWith("Zxid: ")) {
                    return Long.decode(line.substring(6).trim()) & 0xFFFF_FFFFL;
                }
            }
        }
        throw new IOException("srvr gave no Zxid");
    }

    /** A participant that votes YES at once and does nothing: the protocol's cost alone. */
    static final class Yes implements Participant {
        @Override
        public Vote prepare(Branch branch) {
            return Vote.yes();
        }

        @Override
        public void commit(Branch branch) {
        }

        @Override
        public void abort(Branch branch) {
        }
    }
}
