package dev.baton.soak;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.check.TransferChecker;
import dev.baton.soak.cluster.BankServers;
import dev.baton.soak.cluster.LockCluster;
import dev.baton.soak.cluster.Wait;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.xa.XaTransactions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.jspecify.annotations.Nullable;
import org.postgresql.xa.PGXADataSource;

/**
 * The 2PC workload: {@link TransferWorker} JVMs move money between the two {@link BankServers}
 * on the in-process XA path, each the coordinator of its own transactions and the recovery of the
 * others'. The nemesis kills and stops them ({@link FaultKind#COORDINATOR_KILL},
 * {@link FaultKind#COORDINATOR_PAUSE}) or the ZooKeeper leader.
 *
 * <p>For each fault it measures how long transactions stayed in doubt: branches prepared in
 * PostgreSQL by the struck worker (for a server fault: any branch prepared for more than
 * {@link #SLOW_PREPARED}), from the strike until the last of them is committed or rolled back by
 * whoever does it ({@code INDOUBT} lines). At the end, after the workers stopped, an instance of the
 * harness's own runs recovery with every resource registered until nothing of Baton's is prepared
 * and no decision is left (bounded), then the databases are read into the history ({@code END}
 * lines), so that {@link TransferChecker} judges the history alone and {@code --check} can judge
 * it again.
 */
final class TransferWorkload implements Workload {

    /** The XA format id of the in-process path's branches ("BTN2"), as pgjdbc writes it first in a gid. */
    private static final String XA_FORMAT = Integer.toString(0x42544e32);
    /** The XA format id of the distributed path's branches ({@code XaParticipant}, "BTN1"). */
    private static final String PARTICIPANT_FORMAT = Integer.toString(0x42544e31);
    private static final Duration SLOW_PREPARED = Duration.ofMillis(500);
    private static final long POLL_MILLIS = 100;
    private static final Duration MONITOR_LIMIT = Duration.ofSeconds(120);
    private static final Duration FINAL_RECOVERY = Duration.ofSeconds(120);

    private final SoakOptions options;
    private final LockCluster cluster;
    private final History history;
    private final int harnessPort;
    private final Path logs;
    private final Path dataDir;
    private final boolean distributed;
    private final List<WorkerProcess> workers = new ArrayList<>();
    private final List<WorkerProcess> hosts = new ArrayList<>();
    private final Map<Integer, InDoubtMonitor> monitors = new ConcurrentHashMap<>();
    private @Nullable BankServers banks;

    TransferWorkload(SoakOptions options, LockCluster cluster, History history, int harnessPort, Path logs,
                     Path dataDir, boolean distributed) {
        this.distributed = distributed;
        this.options = options;
        this.cluster = cluster;
        this.history = history;
        this.harnessPort = harnessPort;
        this.logs = logs;
        this.dataDir = dataDir;
    }

    @Override
    public String name() {
        return "transfers";
    }

    @Override
    public void start() {
        BankServers started = BankServers.start(dataDir, options.accounts());
        banks = started;
        history.add("RUN", "banks", started.describe());
        history.add("RUN", "openingTotal", Long.toString(started.openingTotal()));
        history.add("RUN", "recoveryGraceMs", Long.toString(options.recoveryGrace().toMillis()));
        Map<String, Integer> ports = started.ports();
        boolean broken = options.selfTest() == SoakOptions.SelfTest.TRANSFERS;
        if (distributed) {
            for (int i = 1; i <= 2; i++) {
                WorkerProcess host = new WorkerProcess("p", i, options, cluster, harnessPort, logs,
                        (name, port) -> List.of(ParticipantWorker.class.getName(), Integer.toString(port), name,
                                Integer.toString(ports.get(BankServers.BANKS.get(0))),
                                Integer.toString(ports.get(BankServers.BANKS.get(1))),
                                Long.toString(options.recoveryGrace().toMillis())));
                hosts.add(host);
                host.start();
            }
            Wait.require("every participant host is ready", Duration.ofSeconds(120),
                    () -> hosts.stream().allMatch(w -> history.ready(w.name())));
        }
        for (int i = 1; i <= options.workers(); i++) {
            WorkerProcess worker = distributed
                    ? new WorkerProcess("c", i, options, cluster, harnessPort, logs,
                            (name, port) -> List.of(DistributedTransferWorker.class.getName(), Integer.toString(port),
                                    name, Integer.toString(started.accounts())))
                    : new WorkerProcess(i, options, cluster, harnessPort, logs,
                            (name, port) -> List.of(TransferWorker.class.getName(), Integer.toString(port), name,
                                    Integer.toString(started.accounts()),
                                    Integer.toString(ports.get(BankServers.BANKS.get(0))),
                                    Integer.toString(ports.get(BankServers.BANKS.get(1))),
                                    Long.toString(options.recoveryGrace().toMillis()), Boolean.toString(broken)));
            workers.add(worker);
            worker.start();
        }
        Wait.require("every worker is ready", Duration.ofSeconds(120),
                () -> workers.stream().allMatch(w -> history.ready(w.name())));
        long began = Micros.now();
        Wait.require("the workers commit transfers", Duration.ofSeconds(60), () -> history.latestGrant() > began);
    }

    @Override
    public List<WorkerProcess> targets() {
        List<WorkerProcess> all = new ArrayList<>(workers);
        all.addAll(hosts);
        return all;
    }

    @Override
    public List<WorkerProcess> targets(FaultKind kind) {
        return kind == FaultKind.PARTICIPANT_KILL || kind == FaultKind.PARTICIPANT_PAUSE ? hosts : workers;
    }

    /** A distributed coordinator reports a transaction only once it ended, and a host none. */
    @Override
    public boolean showsHolders(FaultKind kind) {
        return !distributed;
    }

    @Override
    public void striking(int fault, FaultKind kind, @Nullable String victim, long startMicros) {
        InDoubtMonitor monitor = new InDoubtMonitor(fault, kind, victim, startMicros);
        monitors.put(fault, monitor);
        monitor.start();
    }

    @Override
    public void healed(int fault, long healMicros) {
        InDoubtMonitor monitor = monitors.get(fault);
        if (monitor != null) {
            monitor.heal = healMicros;
        }
    }

    @Override
    public void stop() {
        workers.parallelStream().forEach(WorkerProcess::stop);
        if (distributed) {
            // The hosts finish what the coordinators left (apply decisions, abort at the deadline), then stop.
            finishDistributed();
            hosts.parallelStream().forEach(WorkerProcess::stop);
        }
        for (InDoubtMonitor monitor : monitors.values()) {
            try {
                monitor.join(MONITOR_LIMIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        BankServers bankServers = banks;
        if (bankServers == null) {
            return;
        }
        try {
            if (!distributed) {
                recoverAndRecord(bankServers);
            }
            recordFinalState(bankServers);
        } finally {
            bankServers.close();
            banks = null;
        }
    }

    /**
     * The survivor: an instance with both banks registered (grace zero: every worker is gone) runs
     * recovery until no Baton branch is prepared, or the bound passes; then what the databases and
     * ZooKeeper hold becomes {@code END} lines (a decision left once nothing is prepared is one
     * recovery finished and keeps for its retention: {@code decision-retained}, not a finding).
     */
    private void recoverAndRecord(BankServers bankServers) {
        Map<String, String> config = cluster.clientConfig(cluster.proxyTargets());
        long began = Micros.now();
        ZooKeeper zk = null;
        try {
            zk = connect(config.get("baton.zookeeper.connect"));
            ZooKeeper reader = zk;
            XaTransactions.Builder builder = XaTransactions.builder(config);
            for (String bank : BankServers.BANKS) {
                PGXADataSource ds = new PGXADataSource();
                ds.setUrl(BankServers.url(bankServers.ports().get(bank), bank));
                builder.resource(bank, ds);
            }
            XaTransactions survivor = builder.recoveryGrace(Duration.ZERO).recoveryInterval(Duration.ofSeconds(1)).start();
            try {
                // Recovery keeps a decision it finished for its retention (minutes): once nothing is
                // prepared, a decision left is a finished one kept on purpose, not a leak.
                boolean drained = Wait.until(FINAL_RECOVERY, () -> batonPrepared(bankServers).isEmpty());
                history.add("END", "recovery", Long.toString(began), Long.toString(Micros.now()), drained ? "1" : "0");
                for (String decision : decisions(zk)) {
                    history.add("END", drained ? "decision-retained" : "decision-left", decision);
                }
            } finally {
                survivor.close();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            history.add("NOTE", "harness", Long.toString(Micros.now()), "final-recovery-failed", "interrupted");
        } catch (java.io.IOException | RuntimeException e) {
            history.add("NOTE", "harness", Long.toString(Micros.now()), "final-recovery-failed", oneLine(e));
        } finally {
            closeQuietly(zk);
        }
    }

    /** What the banks hold at the end, as {@code END} and {@code ROW} lines. */
    private void recordFinalState(BankServers bankServers) {
        try {
            for (String prepared : bankServers.preparedEverywhere()) {
                history.add("END", "prepared-left", prepared);
            }
            for (String bank : BankServers.BANKS) {
                recordBank(bankServers, bank);
            }
            history.add("END", "done");
        } catch (SQLException e) {
            history.add("NOTE", "harness", Long.toString(Micros.now()), "bank-read-failed", oneLine(e));
        }
    }

    /**
     * The distributed path's end: with the workers' coordinators gone, one coordinator of the
     * harness's own drives and collects what they left, and the participant hosts (still running)
     * apply every decision and abort what was never decided; waits, bounded, until no transaction
     * is left in ZooKeeper and no branch is prepared.
     */
    private void finishDistributed() {
        BankServers bankServers = banks;
        if (bankServers == null) {
            return;
        }
        Map<String, String> config = cluster.clientConfig(cluster.proxyTargets());
        long began = Micros.now();
        ZooKeeper zk = null;
        try {
            zk = connect(config.get("baton.zookeeper.connect"));
            ZooKeeper reader = zk;
            // The survivor: closing a coordinator leaves its transactions to "another instance"
            // (TransactionCoordinator.close), which must exist for the last ones to be collected.
            TransactionCoordinator survivor = TransactionCoordinator.open(config);
            try {
                boolean drained = Wait.until(FINAL_RECOVERY, () -> batonPrepared(bankServers).isEmpty()
                        && children(reader, "/baton/txn").isEmpty());
                history.add("END", "recovery", Long.toString(began), Long.toString(Micros.now()), drained ? "1" : "0");
            } finally {
                survivor.close();
            }
            for (String txn : children(zk, "/baton/txn")) {
                history.add("END", "decision-left", txn);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            history.add("NOTE", "harness", Long.toString(Micros.now()), "final-recovery-failed", "interrupted");
        } catch (java.io.IOException | RuntimeException e) {
            history.add("NOTE", "harness", Long.toString(Micros.now()), "final-recovery-failed", oneLine(e));
        } finally {
            closeQuietly(zk);
        }
    }

    /** {@code END balance}, every transfer row, and accounts whose balance disagrees with their rows. */
    private void recordBank(BankServers bankServers, String bank) throws SQLException {
        try (Connection c = bankServers.connect(bank); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT coalesce(sum(balance), 0), count(*) FROM accounts")) {
                rs.next();
                history.add("END", "balance", bank, Long.toString(rs.getLong(1)), Long.toString(rs.getLong(2)));
            }
            try (ResultSet rs = s.executeQuery("SELECT txn_id, account, delta FROM transfers ORDER BY txn_id")) {
                while (rs.next()) {
                    history.add("ROW", bank, rs.getString(1), Integer.toString(rs.getInt(2)), Long.toString(rs.getLong(3)));
                }
            }
            try (ResultSet rs = s.executeQuery("SELECT a.id, a.balance, coalesce(sum(t.delta), 0) FROM accounts a"
                    + " LEFT JOIN transfers t ON t.account = a.id GROUP BY a.id, a.balance"
                    + " HAVING a.balance <> " + BankServers.OPENING_BALANCE + " + coalesce(sum(t.delta), 0)")) {
                while (rs.next()) {
                    history.add("END", "ledger-mismatch", bank, Integer.toString(rs.getInt(1)),
                            Long.toString(rs.getLong(2)), Long.toString(rs.getLong(3)));
                }
            }
        }
    }

    private static ZooKeeper connect(String connectString) throws java.io.IOException, InterruptedException {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(connectString, 10_000, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            zk.close();
            throw new IllegalStateException("no ZooKeeper connection to " + connectString + " in 30 s");
        }
        return zk;
    }

    private static void closeQuietly(@Nullable ZooKeeper zk) {
        if (zk != null) {
            try {
                zk.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The decisions XaTransactions has not deleted yet (a transaction still in doubt, or not cleaned up). */
    private static List<String> decisions(ZooKeeper zk) {
        return children(zk, "/baton/xa/decisions");
    }

    private static List<String> children(ZooKeeper zk, String path) {
        try {
            return zk.getChildren(path, false);
        } catch (KeeperException.NoNodeException e) {
            return List.of();
        } catch (KeeperException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Baton's prepared branches, as the transaction id of each. */
    private static List<String> batonPrepared(BankServers bankServers) {
        try {
            List<String> txnIds = new ArrayList<>();
            for (String entry : bankServers.preparedEverywhere()) {
                String txnId = txnIdOf(entry.substring(entry.indexOf(' ') + 1));
                if (txnId != null) {
                    txnIds.add(txnId);
                }
            }
            return txnIds;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The transaction id in a pgjdbc gid ({@code formatId_base64(global)_base64(branch)}) of a
     * Baton branch (global id {@code txnId/owner} in-process, {@code txnId} distributed); null for
     * any other gid.
     */
    static @Nullable String txnIdOf(String gid) {
        String[] parts = gid.split("_");
        if (parts.length != 3 || !(parts[0].equals(XA_FORMAT) || parts[0].equals(PARTICIPANT_FORMAT))) {
            return null;
        }
        try {
            String global = new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            int slash = global.indexOf('/');
            return slash > 0 ? global.substring(0, slash) : global;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public CheckResult check(List<String> lines) {
        return TransferChecker.check(lines);
    }

    private static String oneLine(Throwable e) {
        return (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\t', ' ').replace('\n', ' ');
    }

    /**
     * Follows one fault's in-doubt branches in {@code pg_prepared_xacts}, among those seen prepared
     * before the heal: those of transactions the victim began (in-process worker faults), or any
     * prepared longer than {@link #SLOW_PREPARED} (server faults, and every distributed fault), from the strike until none is left after the heal. Records
     * {@code INDOUBT fault kind transactions start resolved} ({@code resolved} -1 if not within
     * {@link #MONITOR_LIMIT}); nothing when no branch was in doubt.
     */
    private final class InDoubtMonitor extends Thread {

        private final int fault;
        private final FaultKind kind;
        private final @Nullable String victim;
        private final long start;
        volatile long heal = -1;

        InDoubtMonitor(int fault, FaultKind kind, @Nullable String victim, long start) {
            super("in-doubt-" + fault);
            setDaemon(true);
            this.fault = fault;
            this.kind = kind;
            this.victim = victim;
            this.start = start;
        }

        @Override
        public void run() {
            Map<String, Long> firstSeen = new java.util.HashMap<>();
            java.util.Set<String> inDoubt = new java.util.HashSet<>();
            long limit = start + MONITOR_LIMIT.toNanos() / 1000;
            long resolved = -1;
            long clearSince = -1;
            while (Micros.now() < limit) {
                BankServers bankServers = banks;
                if (bankServers == null) {
                    break;
                }
                long now = Micros.now();
                java.util.Set<String> current = new java.util.HashSet<>();
                try {
                    for (String txnId : batonPrepared(bankServers)) {
                        firstSeen.putIfAbsent(txnId, now);
                        // The victim's own branches prepared before it came back (a resumed worker's new
                        // transactions are not in doubt); for a server fault, any that stays prepared.
                        long healed = heal;
                        // Either way, only branches already prepared before the heal: under load some branch of
                        // the live traffic is always prepared for a while, and that is not this fault's doing.
                        boolean beforeHeal = healed < 0 || firstSeen.get(txnId) <= healed;
                        boolean suspect = beforeHeal && (victim != null && !distributed
                                ? victim.equals(history.workerOf(txnId))
                                : now - firstSeen.get(txnId) >= SLOW_PREPARED.toNanos() / 1000);
                        if (suspect) {
                            current.add(txnId);
                        }
                    }
                } catch (RuntimeException e) {
                    Wait.sleep(POLL_MILLIS);
                    continue;
                }
                inDoubt.addAll(current);
                if (!current.isEmpty()) {
                    clearSince = -1;
                } else if (clearSince < 0) {
                    clearSince = now;
                }
                long healed = heal;
                if (current.isEmpty() && healed > 0 && now >= healed + 1_000_000) {
                    // resolved when the last of them was first seen gone, which may be long before the heal
                    resolved = clearSince;
                    break;
                }
                Wait.sleep(POLL_MILLIS);
            }
            if (!inDoubt.isEmpty()) {
                history.add("INDOUBT", Integer.toString(fault), kind.id(), Integer.toString(inDoubt.size()),
                        Long.toString(start), Long.toString(resolved));
            }
        }
    }
}
