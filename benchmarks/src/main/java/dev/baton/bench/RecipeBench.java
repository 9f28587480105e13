package dev.baton.bench;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.DistributedSemaphore;
import dev.baton.lock.Leadership;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.framework.recipes.locks.InterProcessReadWriteLock;
import org.apache.curator.framework.recipes.locks.InterProcessSemaphoreV2;
import org.apache.curator.framework.recipes.locks.Lease;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;
import org.redisson.api.RPermitExpirableSemaphore;
import org.redisson.api.RReadWriteLock;
import org.redisson.api.RedissonClient;

/**
 * The recipe rows, with ZooKeeper and Redis both running: leader election (resign hand-over and
 * crash failover) against Curator's {@code LeaderLatch} and {@code LeaderSelector}; the read-write
 * lock against Curator's {@code InterProcessReadWriteLock} and Redisson's {@code RReadWriteLock};
 * the semaphore against Curator's {@code InterProcessSemaphoreV2} and Redisson's
 * {@code RPermitExpirableSemaphore}; and the footprint of pending requests.
 */
final class RecipeBench {

    static final String PREFIX = "Recipes: ";
    private static final int READERS = 8;
    private static final int CLIENTS = 8;
    private static final int PERMITS = 3;
    private static final long WRITER_CAP_MILLIS = 5_000;

    private final ZooKeeperBench zk;
    private final RedisBench redis;
    private final Harness harness;
    private final String redisUri;

    RecipeBench(ZooKeeperBench zk, RedisBench redis, String redisUri, Harness harness) {
        this.zk = zk;
        this.redis = redis;
        this.redisUri = redisUri;
        this.harness = harness;
    }

    List<Row> all(int pending, int crashes) throws Exception {
        List<Row> rows = new ArrayList<>();
        rows.addAll(resignHandOver());
        rows.addAll(new CrashFailover(zk.connectString(), redisUri, harness).rows(crashes));
        rows.addAll(readThroughput());
        rows.addAll(writerWait());
        rows.addAll(semaphore());
        rows.addAll(pending(pending));
        return rows;
    }

    private LockClient baton(String backend) {
        return backend.equals("zookeeper") ? zk.baton() : redis.baton(backend);
    }

    private static String label(String backend) {
        switch (backend) {
            case "zookeeper":
                return "Baton ZooKeeper";
            case "redis":
                return "Baton Redis (Jedis)";
            default:
                return "Baton Redisson adapter";
        }
    }

    // ---------------------------------------------------------------- election: resign hand-over

    private List<Row> resignHandOver() throws Exception {
        List<Harness.Contestant<Harness.Op>> contestants = new ArrayList<>();
        contestants.add(Contestants.of("floor: ZooKeeper delete → watch notification", () -> {
            CuratorFramework deleter = zk.curator();
            CuratorFramework watcher = zk.curator();
            ZooKeeper del = deleter.getZookeeperClient().getZooKeeper();
            ZooKeeper watch = watcher.getZookeeperClient().getZooKeeper();
            Harness.Op op = Harness.timed(() -> {
                String path = del.create("/bench-handover", null, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
                CountDownLatch gone = new CountDownLatch(1);
                watch.exists(path, event -> gone.countDown());
                long start = System.nanoTime();
                del.delete(path, -1);
                gone.await();
                return System.nanoTime() - start;
                
            });
            return new Harness.Opened<>(op, deleter, watcher);
        }));
        contestants.add(batonHandOver("zookeeper"));
        contestants.add(Contestants.of("Curator LeaderLatch", () -> {
            CuratorFramework[] clients = {zk.curator(), zk.curator()};
            LeaderLatch[] latches = {new LeaderLatch(clients[0], "/curator-bench/latch"), null};
            latches[0].start();
            latches[0].await();
            int[] turns = {0};
            Harness.Op op = Harness.timed(() -> {
                int leader = turns[0]++ % 2;
                int next = 1 - leader;
                latches[next] = new LeaderLatch(clients[next], "/curator-bench/latch");
                latches[next].start();
                Thread.sleep(5); // queued behind the leader, outside the timed part
                long start = System.nanoTime();
                latches[leader].close();
                latches[next].await();
                return System.nanoTime() - start;
                
            });
            return new Harness.Opened<>(op, () -> {
                for (LeaderLatch latch : latches) {
                    if (latch != null && latch.getState() == LeaderLatch.State.STARTED) {
                        latch.close();
                    }
                }
            }, clients[0], clients[1]);
        }));
        contestants.add(Contestants.of("Curator LeaderSelector", () -> {
            CuratorFramework[] clients = {zk.curator(), zk.curator()};
            LinkedBlockingQueue<Integer> entered = new LinkedBlockingQueue<>();
            Semaphore[] stepDown = {new Semaphore(0), new Semaphore(0)};
            List<LeaderSelector> selectors = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                int me = i;
                LeaderSelector selector = new LeaderSelector(clients[i], "/curator-bench/selector",
                        new LeaderSelectorListenerAdapter() {
                            @Override
                            public void takeLeadership(CuratorFramework client) throws Exception {
                                entered.add(me);
                                stepDown[me].acquire();
                            }
                        });
                selector.autoRequeue();
                selectors.add(selector);
                selector.start();
            }
            int[] leader = {entered.take()};
            Harness.Op op = Harness.timed(() -> {
                Thread.sleep(5); // the other selector is queued (autoRequeue), outside the timed part
                long start = System.nanoTime();
                stepDown[leader[0]].release();
                leader[0] = entered.take();
                return System.nanoTime() - start;
                
            });
            return new Harness.Opened<>(op, () -> {
                selectors.forEach(LeaderSelector::close);
                stepDown[0].release(100);
                stepDown[1].release(100);
            }, clients[0], clients[1]);
        }));
        contestants.add(batonHandOver("redis"));
        contestants.add(batonHandOver("redisson"));
        return harness.latency(PREFIX + "election, resign → next leader (µs)", contestants);
    }

    private Harness.Contestant<Harness.Op> batonHandOver(String backend) {
        return Contestants.of(label(backend), () -> {
            LockClient[] clients = {baton(backend), baton(backend)};
            // Both Redis backends run the same scripts on the same keys: each contestant its own name.
            String name = "bench/handover-" + backend;
            Leadership[] current = {clients[0].election(name).campaign()};
            int[] turns = {0};
            Harness.Op op = Harness.timed(() -> {
                CompletableFuture<Leadership> next = clients[1 - turns[0]++ % 2].election(name).campaignAsync();
                Thread.sleep(5); // queued behind the leader, outside the timed part
                long start = System.nanoTime();
                current[0].resign();
                current[0] = next.get(10, TimeUnit.SECONDS);
                return System.nanoTime() - start;
                
            });
            return new Harness.Opened<>(op, () -> current[0].resign(), clients[0], clients[1]);
        });
    }

    // ---------------------------------------------------------------- read-write lock

    private List<Row> readThroughput() throws Exception {
        List<Harness.Contestant<Harness.Workload>> contestants = new ArrayList<>();
        contestants.add(Contestants.of("Baton ZooKeeper (8 clients)", () -> {
            List<LockClient> clients = new ArrayList<>();
            List<Harness.Op> ops = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                LockClient client = zk.baton();
                clients.add(client);
                DistributedLock read = client.readWriteLock("bench/rw-read").readLock();
                ops.add(() -> read.acquire().release());
            }
            return new Harness.Opened<>(ZooKeeperBench.parallel(ops), clients.toArray(AutoCloseable[]::new));
        }));
        contestants.add(Contestants.of("Curator InterProcessReadWriteLock (8 clients)", () -> {
            List<CuratorFramework> clients = new ArrayList<>();
            List<Harness.Op> ops = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                CuratorFramework curator = zk.curator();
                clients.add(curator);
                InterProcessMutex read = new InterProcessReadWriteLock(curator, "/curator-bench/rw-read").readLock();
                ops.add(() -> {
                    read.acquire();
                    read.release();
                });
            }
            return new Harness.Opened<>(ZooKeeperBench.parallel(ops), clients.toArray(AutoCloseable[]::new));
        }));
        for (String backend : List.of("redis", "redisson")) {
            contestants.add(Contestants.of(label(backend) + " (8 threads, 1 client)", () -> {
                LockClient client = baton(backend);
                DistributedLock read = client.readWriteLock("bench/rw-read-" + backend).readLock();
                List<Harness.Op> ops = new ArrayList<>();
                for (int i = 0; i < READERS; i++) {
                    ops.add(() -> read.acquire().release());
                }
                return new Harness.Opened<>(ZooKeeperBench.parallel(ops), client);
            }));
        }
        contestants.add(Contestants.of("Redisson RReadWriteLock (8 threads, 1 client)", () -> {
            RedissonClient redisson = redis.redisson();
            RReadWriteLock rw = redisson.getReadWriteLock("bench-rw-read");
            List<Harness.Op> ops = new ArrayList<>();
            for (int i = 0; i < READERS; i++) {
                ops.add(() -> {
                    rw.readLock().lock();
                    rw.readLock().unlock();
                });
            }
            return new Harness.Opened<>(ZooKeeperBench.parallel(ops), redisson::shutdown);
        }));
        // Per backend, the other library first: each Baton row's ratio is then against it, within each round.
        List<Row> rows = new ArrayList<>(harness.throughput(
                PREFIX + "read-write lock on ZooKeeper, 8 readers (read acquire + release/s)",
                List.of(contestants.get(1), contestants.get(0))));
        rows.addAll(harness.throughput(PREFIX + "read-write lock on Redis, 8 readers (read acquire + release/s)",
                List.of(contestants.get(4), contestants.get(2), contestants.get(3))));
        return rows;
    }

    /**
     * Eight readers take and release the read lock again and again, each holding it 1 ms, so the
     * lock is never free of readers; a writer then asks for the write lock, and the time until it
     * gets it is measured (at most 5 s: a writer starved that long counts as 5 s).
     */
    private List<Row> writerWait() throws Exception {
        List<Harness.Contestant<Harness.Op>> contestants = new ArrayList<>();
        for (String backend : List.of("zookeeper", "redis", "redisson")) {
            contestants.add(Contestants.of(label(backend), () -> {
                LockClient readerClient = baton(backend);
                LockClient writerClient = baton(backend);
                DistributedLock read = readerClient.readWriteLock("bench/rw-wait-" + backend).readLock();
                DistributedLock write = writerClient.readWriteLock("bench/rw-wait-" + backend).writeLock();
                Harness.Op op = timedWriter(() -> {
                    dev.baton.lock.Lease lease = read.acquire();
                    return lease::release;
                }, () -> write.tryAcquire(java.time.Duration.ofMillis(WRITER_CAP_MILLIS))
                        .map(lease -> (Runnable) lease::release).orElse(null));
                return new Harness.Opened<>(op, readerClient, writerClient);
            }));
        }
        contestants.add(1, Contestants.of("Curator InterProcessReadWriteLock", () -> {
            CuratorFramework readerClient = zk.curator();
            CuratorFramework writerClient = zk.curator();
            InterProcessReadWriteLock forReaders = new InterProcessReadWriteLock(readerClient, "/curator-bench/rw-wait");
            InterProcessMutex write = new InterProcessReadWriteLock(writerClient, "/curator-bench/rw-wait").writeLock();
            Harness.Op op = timedWriter(() -> {
                // Curator's locks are reentrant per thread, so each reader thread takes its own turn.
                InterProcessMutex read = forReaders.readLock();
                read.acquire();
                return () -> {
                    try {
                        read.release();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                };
            }, () -> write.acquire(WRITER_CAP_MILLIS, TimeUnit.MILLISECONDS) ? () -> {
                try {
                    write.release();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            } : null);
            return new Harness.Opened<>(op, readerClient, writerClient);
        }));
        contestants.add(Contestants.of("Redisson RReadWriteLock", () -> {
            RedissonClient readerClient = redis.redisson();
            RedissonClient writerClient = redis.redisson();
            RReadWriteLock forReaders = readerClient.getReadWriteLock("bench-rw-wait");
            RReadWriteLock forWriter = writerClient.getReadWriteLock("bench-rw-wait");
            Harness.Op op = timedWriter(() -> {
                forReaders.readLock().lock();
                return forReaders.readLock()::unlock;
            }, () -> forWriter.writeLock().tryLock(WRITER_CAP_MILLIS, TimeUnit.MILLISECONDS)
                    ? forWriter.writeLock()::unlock : null);
            return new Harness.Opened<>(op, readerClient::shutdown, writerClient::shutdown);
        }));
        // contestants: Baton ZooKeeper, Curator, Baton Redis, Baton Redisson, Redisson RReadWriteLock
        List<Row> rows = new ArrayList<>(harness.latency(
                PREFIX + "read-write lock on ZooKeeper, a writer's wait behind 8 steady readers (µs)",
                List.of(contestants.get(1), contestants.get(0))));
        rows.addAll(harness.latency(PREFIX + "read-write lock on Redis, a writer's wait behind 8 steady readers (µs)",
                List.of(contestants.get(4), contestants.get(2), contestants.get(3))));
        return rows;
    }

    /** What a writer or reader does: take the lock, and return how to give it back (null: not taken in time). */
    interface Taker {
        Runnable take() throws Exception;
    }

    /**
     * Starts the steady readers, lets them fill the lock, and times a writer's acquire; one that
     * gave up counts as the cap. Readers run only during the operation, so that one contestant's
     * readers never load the machine while another is measured. The rest is not timed.
     */
    private static Harness.Op timedWriter(Taker reader, Taker writer) {
        return Harness.timed(() -> {
            try (SteadyReaders readers = new SteadyReaders(reader)) {
                readers.awaitSteady();
                long start = System.nanoTime();
                Runnable release = writer.take();
                long took = System.nanoTime() - start;
                if (release == null) {
                    return TimeUnit.MILLISECONDS.toNanos(WRITER_CAP_MILLIS);
                }
                release.run();
                return took;
            }
            
        });
    }

    /** Reader threads that hold the read lock 1 ms at a time, one after another, until closed. */
    private static final class SteadyReaders implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();
        private final java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();

        /** Waits until every reader has read a few times: the lock is then never free of readers. */
        void awaitSteady() throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (reads.get() < 3L * READERS && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        }

        SteadyReaders(Taker reader) {
            for (int i = 0; i < READERS; i++) {
                Thread thread = new Thread(() -> {
                    while (running.get()) {
                        try {
                            Runnable release = reader.take();
                            reads.incrementAndGet();
                            Thread.sleep(1);
                            release.run();
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            if (!running.get()) {
                                return;
                            }
                        }
                    }
                }, "bench-reader-" + i);
                thread.setDaemon(true);
                threads.add(thread);
                thread.start();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(10_000);
            }
        }
    }

    // ---------------------------------------------------------------- semaphore

    private List<Row> semaphore() throws Exception {
        List<Harness.Contestant<Harness.Workload>> contestants = new ArrayList<>();
        contestants.add(Contestants.of("Baton ZooKeeper (8 clients)", () -> {
            List<LockClient> clients = new ArrayList<>();
            List<Harness.Op> ops = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                LockClient client = zk.baton();
                clients.add(client);
                DistributedSemaphore permits = client.semaphore("bench/semaphore", PERMITS);
                ops.add(() -> permits.acquire().release());
            }
            return new Harness.Opened<>(ZooKeeperBench.parallel(ops), clients.toArray(AutoCloseable[]::new));
        }));
        contestants.add(Contestants.of("Curator InterProcessSemaphoreV2 (8 clients)", () -> {
            List<CuratorFramework> clients = new ArrayList<>();
            List<Harness.Op> ops = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                CuratorFramework curator = zk.curator();
                clients.add(curator);
                InterProcessSemaphoreV2 permits = new InterProcessSemaphoreV2(curator, "/curator-bench/semaphore", PERMITS);
                ops.add(() -> {
                    Lease lease = permits.acquire();
                    permits.returnLease(lease);
                });
            }
            return new Harness.Opened<>(ZooKeeperBench.parallel(ops), clients.toArray(AutoCloseable[]::new));
        }));
        for (String backend : List.of("redis", "redisson")) {
            contestants.add(Contestants.of(label(backend) + " (8 threads, 1 client)", () -> {
                LockClient client = baton(backend);
                DistributedSemaphore permits = client.semaphore("bench/semaphore-" + backend, PERMITS);
                List<Harness.Op> ops = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    ops.add(() -> permits.acquire().release());
                }
                return new Harness.Opened<>(ZooKeeperBench.parallel(ops), client);
            }));
        }
        contestants.add(Contestants.of("Redisson RPermitExpirableSemaphore (8 threads, 1 client)", () -> {
            RedissonClient redisson = redis.redisson();
            RPermitExpirableSemaphore permits = redisson.getPermitExpirableSemaphore("bench-semaphore");
            permits.trySetPermits(PERMITS);
            List<Harness.Op> ops = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                ops.add(() -> permits.release(permits.acquire(30, TimeUnit.SECONDS)));
            }
            return new Harness.Opened<>(ZooKeeperBench.parallel(ops), () -> {
                permits.delete();
                redisson.shutdown();
            });
        }));
        List<Row> rows = new ArrayList<>(harness.throughput(
                PREFIX + "semaphore on ZooKeeper, 8 clients on 3 permits (acquire + release/s)",
                List.of(contestants.get(1), contestants.get(0))));
        rows.addAll(harness.throughput(PREFIX + "semaphore on Redis, 8 clients on 3 permits (acquire + release/s)",
                List.of(contestants.get(4), contestants.get(2), contestants.get(3))));
        return rows;
    }

    // ---------------------------------------------------------------- footprint

    private List<Row> pending(int waiters) throws Exception {
        String group = PREFIX + waiters + " pending async campaigns / permit requests";
        if (!harness.settings().includes(group)) {
            return List.of();
        }
        List<Row> rows = new ArrayList<>();
        for (String backend : List.of("zookeeper", "redis")) {
            rows.addAll(footprint(group, label(backend) + " campaignAsync", backend, waiters,
                    client -> client.election("bench/pending-election-" + backend).campaignAsync()
                            .thenApply(l -> (dev.baton.lock.Lease) l)));
            rows.addAll(footprint(group, label(backend) + " semaphore acquireAsync", backend, waiters,
                    client -> client.semaphore("bench/pending-semaphore-" + backend, 1).acquireAsync()));
        }
        RedissonClient holder = redis.redisson();
        RedissonClient redisson = redis.redisson();
        try {
            RPermitExpirableSemaphore held = holder.getPermitExpirableSemaphore("bench-pending");
            held.trySetPermits(1);
            String permit = held.acquire(1, TimeUnit.MINUTES);
            RPermitExpirableSemaphore waiting = redisson.getPermitExpirableSemaphore("bench-pending");
            Footprint before = Footprint.now();
            List<CompletableFuture<String>> pending = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                pending.add(waiting.acquireAsync(1, TimeUnit.MINUTES).toCompletableFuture());
            }
            Footprint after = Footprint.now();
            rows.addAll(after.minus(before, group, "Redisson RPermitExpirableSemaphore.acquireAsync", waiters));
            pending.forEach(f -> f.cancel(true));
            held.release(permit);
            held.delete();
        } finally {
            redisson.shutdown();
            holder.shutdown();
        }
        return rows;
    }

    private List<Row> footprint(String group, String contestant, String backend, int waiters,
            Function<LockClient, CompletableFuture<dev.baton.lock.Lease>> request) throws Exception {
        try (LockClient holderClient = baton(backend); LockClient client = baton(backend)) {
            dev.baton.lock.Lease held = request.apply(holderClient).get(30, TimeUnit.SECONDS);
            request.apply(client).thenAccept(dev.baton.lock.Lease::release); // warms the client's threads up
            Thread.sleep(200);
            Footprint before = Footprint.now();
            List<CompletableFuture<dev.baton.lock.Lease>> pending = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                pending.add(request.apply(client));
            }
            Thread.sleep(500);
            Footprint after = Footprint.now();
            pending.forEach(f -> f.cancel(true));
            held.release();
            return after.minus(before, group, contestant, waiters);
        }
    }

    /** The keys a Baton client needs, with a lease or session of {@code millis}. */
    static Map<String, String> config(String backend, String target, long millis) {
        Map<String, String> config = new HashMap<>();
        config.put("baton.backend", backend);
        if (backend.equals("zookeeper")) {
            config.put("baton.zookeeper.connect", target);
            config.put("baton.zookeeper.session-timeout", millis + "ms");
        } else {
            config.put("baton.redis.uri", target);
            config.put("baton.lock.lease-time", millis + "ms");
        }
        return config;
    }

    static LockClient open(String backend, String target, long millis) {
        return LockClients.open(config(backend, target, millis));
    }
}
