package dev.baton.bench;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/** The ZooKeeper rows: floors, Baton against Curator's InterProcessMutex, on one server. */
final class ZooKeeperBench {

    static final String CEILING = "floor: pipelined async creates";
    private static final byte[] DATA = "bench".getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final String connect;
    private final Harness harness;

    ZooKeeperBench(String connect, Harness harness) {
        this.connect = connect;
        this.harness = harness;
    }

    List<Row> all() throws Exception {
        List<Row> rows = new ArrayList<>();
        rows.addAll(uncontended());
        rows.addAll(writeCeiling());
        rows.addAll(contended("ZooKeeper: 4 clients, one lock (handoffs/s)", 4, true));
        rows.addAll(contended("ZooKeeper: 8 threads sharing one client (handoffs/s)", 8, false));
        return rows;
    }

    String connectString() {
        return connect;
    }

    CuratorFramework curator() throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 30_000, 10_000, new RetryOneTime(100));
        curator.start();
        curator.blockUntilConnected(10, TimeUnit.SECONDS);
        return curator;
    }

    LockClient baton() {
        return LockClients.open(Map.of("baton.backend", "zookeeper", "baton.zookeeper.connect", connect));
    }

    private List<Row> uncontended() throws Exception {
        String group = "ZooKeeper: uncontended acquire + release, one thread";
        Harness.Contestant<Harness.Op> floor = Contestants.of("floor: sync create + delete", () -> {
            CuratorFramework curator = curator();
            ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
            Harness.Op op = () -> {
                String path = zk.create("/bench-floor", DATA, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
                zk.delete(path, -1);
            };
            return new Harness.Opened<>(op, curator);
        });
        Harness.Contestant<Harness.Op> baton = Contestants.of("Baton ZooKeeper", () -> {
            LockClient client = baton();
            DistributedLock lock = client.lock("bench/uncontended");
            return new Harness.Opened<Harness.Op>(() -> lock.acquire().release(), client);
        });
        Harness.Contestant<Harness.Op> curatorMutex = Contestants.of("Curator InterProcessMutex", () -> {
            CuratorFramework curator = curator();
            InterProcessMutex mutex = new InterProcessMutex(curator, "/curator-bench/uncontended");
            return new Harness.Opened<Harness.Op>(() -> {
                mutex.acquire();
                mutex.release();
            }, curator);
        });
        return harness.latency(group, List.of(floor, baton, curatorMutex));
    }

    /** The most creates per second one session can get through: the server's write ceiling. */
    List<Row> writeCeiling() throws Exception {
        Harness.Contestant<Harness.Workload> pipelined = Contestants.of(CEILING, () -> {
            CuratorFramework curator = curator();
            curator.create().orSetData().forPath("/bench-ceiling");
            ZooKeeper zk = curator.getZookeeperClient().getZooKeeper();
            Harness.Workload workload = duration -> {
                Semaphore window = new Semaphore(1_000);
                java.util.Queue<String> created = new java.util.concurrent.ConcurrentLinkedQueue<>();
                long deadline = System.nanoTime() + duration.toNanos();
                while (System.nanoTime() < deadline) {
                    window.acquire();
                    zk.create("/bench-ceiling/n", DATA, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL,
                            (rc, path, ctx, name) -> {
                                if (name != null) {
                                    created.add(name);
                                }
                                window.release();
                            }, null);
                }
                window.acquire(1_000);
                window.release(1_000);
                long count = created.size();
                // Deleted by name, pipelined: listing tens of thousands of children would exceed
                // the server's reply size limit.
                for (String name = created.poll(); name != null; name = created.poll()) {
                    window.acquire();
                    zk.delete(name, -1, (rc, path, ctx) -> window.release(), null);
                }
                window.acquire(1_000);
                window.release(1_000);
                return count;
            };
            return new Harness.Opened<>(workload, curator);
        });
        return harness.throughput("ZooKeeper: write ceiling, one session (creates/s)", List.of(pipelined));
    }

    private List<Row> contended(String group, int threads, boolean clientPerThread) throws Exception {
        Harness.Contestant<Harness.Workload> baton = Contestants.of("Baton ZooKeeper", () -> {
            List<LockClient> clients = new ArrayList<>();
            List<Harness.Op> ops = new ArrayList<>();
            LockClient shared = clientPerThread ? null : baton();
            if (shared != null) {
                clients.add(shared);
            }
            for (int t = 0; t < threads; t++) {
                LockClient client = clientPerThread ? baton() : shared;
                if (clientPerThread) {
                    clients.add(client);
                }
                DistributedLock lock = client.lock("bench/contended-" + threads);
                ops.add(() -> {
                    Lease lease = lock.acquire();
                    lease.release();
                });
            }
            return new Harness.Opened<>(parallel(ops), clients.toArray(AutoCloseable[]::new));
        });
        Harness.Contestant<Harness.Workload> curatorMutex = Contestants.of("Curator InterProcessMutex", () -> {
            List<CuratorFramework> clients = new ArrayList<>();
            List<Harness.Op> ops = new ArrayList<>();
            CuratorFramework shared = clientPerThread ? null : curator();
            if (shared != null) {
                clients.add(shared);
            }
            for (int t = 0; t < threads; t++) {
                CuratorFramework curator = clientPerThread ? curator() : shared;
                if (clientPerThread) {
                    clients.add(curator);
                }
                InterProcessMutex mutex = new InterProcessMutex(curator, "/curator-bench/contended-" + threads);
                ops.add(() -> {
                    mutex.acquire();
                    mutex.release();
                });
            }
            return new Harness.Opened<>(parallel(ops), clients.toArray(AutoCloseable[]::new));
        });
        return harness.throughput(group, List.of(baton, curatorMutex));
    }

    /** Each op on its own thread, all as fast as they can, counting completed ops. */
    static Harness.Workload parallel(List<Harness.Op> ops) {
        return duration -> {
            ExecutorService pool = Executors.newFixedThreadPool(ops.size());
            try {
                long deadline = System.nanoTime() + duration.toNanos();
                List<Future<Long>> counts = new ArrayList<>();
                for (Harness.Op op : ops) {
                    counts.add(pool.submit(() -> {
                        long n = 0;
                        while (System.nanoTime() < deadline) {
                            op.run();
                            n++;
                        }
                        return n;
                    }));
                }
                long total = 0;
                for (Future<Long> count : counts) {
                    total += count.get();
                }
                return total;
            } finally {
                pool.shutdownNow();
            }
        };
    }

}
