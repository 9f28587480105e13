package dev.baton.cli;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.txn.xa.XaTransactions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton demo}: the whole system on embedded servers, with faults, and checks at the end. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run Baton end to end on servers it starts itself (a 3-node ZooKeeper ensemble, Redis,",
                "PostgreSQL with three bank databases): workers make bank transfers, each a 2PC transaction",
                "across two banks through XA on the in-process path (one ZooKeeper write each), holding the",
                "two account locks. Midway it kills one of the two XA coordinators (the other recovers its",
                "prepared branches)",
                "and the ZooKeeper leader. At the end it checks that money is conserved, no transaction is",
                "in doubt, no prepared transaction is left in PostgreSQL and fencing tokens never went",
                "backwards, and exits 1 if any check fails."},
        footer = {"", "Examples:", "  baton demo", "  baton demo --lock-backend redis --transfers 1000 --workers 16",
                "  baton demo --no-faults"})
final class DemoCommand implements Callable<Integer> {

    enum Backends { zookeeper, redis, both }

    @Spec
    CommandSpec spec;

    @Option(names = "--lock-backend", defaultValue = "both", paramLabel = "B",
            description = "zookeeper, redis or both (one phase each). Default: ${DEFAULT-VALUE}.")
    Backends backends;

    @Option(names = "--transfers", defaultValue = "400", paramLabel = "N", description = "Transfers per phase. Default: ${DEFAULT-VALUE}.")
    int transfers;

    @Option(names = "--workers", defaultValue = "8", paramLabel = "W", description = "Worker threads. Default: ${DEFAULT-VALUE}.")
    int workers;

    @Option(names = "--no-faults", description = "Do not kill a coordinator and the ZooKeeper leader.")
    boolean noFaults;

    @Option(names = "--seed", defaultValue = "42", description = "Seed of the random transfers. Default: ${DEFAULT-VALUE}.")
    long seed;

    private final List<AutoCloseable> closeLast = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (transfers < 1 || workers < 1 || workers > 256) {
            throw new IllegalArgumentException("--transfers must be at least 1 and --workers from 1 to 256");
        }
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        out.println("Starting a 3-node ZooKeeper ensemble, Redis and PostgreSQL on loopback...");
        out.flush();
        try (DemoServers servers = DemoServers.start()) {
            try {
                return run(servers, out, started);
            } finally {
                closeAll();
            }
        }
    }

    private int run(DemoServers servers, PrintWriter out, long started) throws Exception {
        DemoBanks banks = new DemoBanks(servers.postgres().orElseThrow().server());
        banks.create();
        String connect = servers.zookeeperConnect();
        // This process holds every bank's data source: the in-process XA path, the fastest for that
        // placement (one ZooKeeper write per transfer), run by two instances as two JVMs would.
        CuratorFramework doomedSession = curator(connect);
        XaTransactions doomed = xaTransactions(doomedSession, banks);
        XaTransactions survivor = keep(xaTransactions(curator(connect), banks));
        TransferRun.CoordinatorPool pool = new TransferRun.CoordinatorPool(List.of(doomed, survivor));
        CuratorFramework inspector = curator(connect);
        out.printf("Servers up in %.1f s: ZooKeeper %s, %s, PostgreSQL port %d; 3 banks x %d accounts, 2 coordinators%n",
                seconds(started), connect, servers.redisUri(), servers.postgres().orElseThrow().port(), DemoBanks.ACCOUNTS);

        DemoFaults faults = new DemoFaults(servers, inspector, out);
        List<TransferStats> phases = new ArrayList<>();
        List<String> names = backends == Backends.both ? List.of("zookeeper", "redis") : List.of(backends.name());
        for (String backend : names) {
            try (LockClient locks = lockClient(backend, servers)) {
                out.printf("Phase %s: %d transfers by %d workers, locks on %s%n", backend, transfers, workers, backend);
                boolean faulty = !noFaults && phases.isEmpty();
                TransferRun run = new TransferRun(locks, pool, transfers, workers, seed + phases.size());
                phases.add(run.run(out, i -> {
                    if (faulty && i == transfers / 3) {
                        faults.killCoordinator(doomed, doomedSession, pool);
                    } else if (faulty && i == 2 * transfers / 3) {
                        faults.killLeader();
                    }
                }));
                faults.awaitAll();
            }
        }
        boolean ok = new DemoChecks(banks, inspector, out).verify(phases);
        DemoReport.print(out, phases);
        out.printf("%s in %.1f s%n", ok ? "All checks passed" : "SOME CHECKS FAILED", seconds(started));
        out.flush();
        doomed.close();
        return ok ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static XaTransactions xaTransactions(CuratorFramework curator, DemoBanks banks) {
        XaTransactions.Builder builder = XaTransactions.builder(curator).recoveryGrace(Duration.ofSeconds(2));
        for (String bank : DemoBanks.BANKS) {
            builder.resource(bank, banks.dataSource(bank));
        }
        return builder.start();
    }

    private LockClient lockClient(String backend, DemoServers servers) {
        Map<String, String> config = backend.equals("zookeeper")
                ? Map.of("baton.backend", "zookeeper", "baton.zookeeper.connect", servers.zookeeperConnect())
                : Map.of("baton.backend", "redis", "baton.redis.uri", servers.redisUri());
        return LockClients.open(config);
    }

    private CuratorFramework curator(String connect) throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 15_000, 10_000,
                new ExponentialBackoffRetry(100, 5));
        curator.start();
        if (!curator.blockUntilConnected(30, TimeUnit.SECONDS)) {
            curator.close();
            throw new IllegalStateException("cannot connect to the demo's ZooKeeper at " + connect);
        }
        return keep(curator);
    }

    private <T extends AutoCloseable> T keep(T resource) {
        closeLast.add(0, resource);
        return resource;
    }

    private void closeAll() {
        for (AutoCloseable resource : closeLast) {
            CompletableFuture.runAsync(() -> {
                try {
                    resource.close();
                } catch (Exception e) {
                    // shutting the demo down
                }
            }).completeOnTimeout(null, 10, TimeUnit.SECONDS).join();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
