package dev.baton.bench;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.redisson.Redisson;
import org.redisson.api.RFencedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import redis.clients.jedis.Jedis;

/** The Redis rows: the round-trip floor, Baton's two Redis backends, Redisson's RLock and RFencedLock. */
final class RedisBench {

    private final String uri;
    private final int port;
    private final Harness harness;

    RedisBench(String uri, int port, Harness harness) {
        this.uri = uri;
        this.port = port;
        this.harness = harness;
    }

    List<Row> all(int pendingWaiters, int[] queueLengths) throws Exception {
        List<Row> rows = new ArrayList<>(uncontended());
        rows.addAll(contended("Redis: 4 clients, one lock (handoffs/s)", 4, true));
        rows.addAll(contended("Redis: 8 threads sharing one client (handoffs/s)", 8, false));
        rows.addAll(pendingWaiters(pendingWaiters));
        for (int length : queueLengths) {
            rows.addAll(commandsPerHandoff(length));
        }
        return rows;
    }

    LockClient baton(String backend) {
        return LockClients.open(Map.of("baton.backend", backend, "baton.redis.uri", uri));
    }

    RedissonClient redisson() {
        Config config = new Config();
        config.useSingleServer().setAddress(uri);
        return Redisson.create(config);
    }

    private List<Row> uncontended() throws Exception {
        Harness.Contestant<Harness.Op> floor = Contestants.of("floor: 2 × PING", () -> {
            Jedis jedis = new Jedis("127.0.0.1", port);
            return new Harness.Opened<Harness.Op>(() -> {
                jedis.ping();
                jedis.ping();
            }, jedis);
        });
        Harness.Contestant<Harness.Op> scripts = Contestants.of("floor: Baton's 2 scripts by EVALSHA", () -> {
            Jedis jedis = new Jedis("127.0.0.1", port);
            ScriptFloor floor2 = new ScriptFloor(jedis);
            return new Harness.Opened<Harness.Op>(floor2::acquireAndRelease, jedis);
        });
        Harness.Contestant<Harness.Op> jedisBackend = batonOp("Baton Redis (Jedis)", "redis");
        Harness.Contestant<Harness.Op> adapter = batonOp("Baton Redisson adapter", "redisson");
        Harness.Contestant<Harness.Op> rlock = Contestants.of("Redisson RLock", () -> {
            RedissonClient redisson = redisson();
            RLock lock = redisson.getLock("bench-rlock");
            return new Harness.Opened<Harness.Op>(() -> {
                lock.lock();
                lock.unlock();
            }, redisson::shutdown);
        });
        Harness.Contestant<Harness.Op> fenced = Contestants.of("Redisson RFencedLock", () -> {
            RedissonClient redisson = redisson();
            RFencedLock lock = redisson.getFencedLock("bench-fenced");
            return new Harness.Opened<Harness.Op>(() -> {
                lock.lockAndGetToken();
                lock.unlock();
            }, redisson::shutdown);
        });
        return harness.latency("Redis: uncontended acquire + release, one thread",
                List.of(floor, scripts, jedisBackend, adapter, rlock, fenced));
    }

    private Harness.Contestant<Harness.Op> batonOp(String name, String backend) {
        return Contestants.of(name, () -> {
            LockClient client = baton(backend);
            DistributedLock lock = client.lock("bench/uncontended-" + backend);
            return new Harness.Opened<Harness.Op>(() -> lock.acquire().release(), client);
        });
    }

    private List<Row> contended(String group, int threads, boolean clientPerThread) throws Exception {
        List<Harness.Contestant<Harness.Workload>> contestants = new ArrayList<>();
        for (String backend : List.of("redis", "redisson")) {
            contestants.add(Contestants.of(backend.equals("redis") ? "Baton Redis (Jedis)" : "Baton Redisson adapter",
                    () -> {
                        List<LockClient> clients = new ArrayList<>();
                        List<Harness.Op> ops = new ArrayList<>();
                        for (int t = 0; t < threads; t++) {
                            if (clientPerThread || clients.isEmpty()) {
                                clients.add(baton(backend));
                            }
                            DistributedLock lock = clients.get(clients.size() - 1).lock("bench/contended-" + threads);
                            ops.add(() -> lock.acquire().release());
                        }
                        return new Harness.Opened<>(ZooKeeperBench.parallel(ops), clients.toArray(AutoCloseable[]::new));
                    }));
        }
        contestants.add(Contestants.of("Redisson RLock", () -> {
            List<RedissonClient> clients = new ArrayList<>();
            List<Harness.Op> ops = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                if (clientPerThread || clients.isEmpty()) {
                    clients.add(redisson());
                }
                RLock lock = clients.get(clients.size() - 1).getLock("bench-contended-" + threads);
                ops.add(() -> {
                    lock.lock();
                    lock.unlock();
                });
            }
            List<AutoCloseable> closers = new ArrayList<>();
            clients.forEach(c -> closers.add(c::shutdown));
            return new Harness.Opened<>(ZooKeeperBench.parallel(ops), closers.toArray(AutoCloseable[]::new));
        }));
        return harness.throughput(group, contestants);
    }

    /** Heap and threads for {@code waiters} pending async requests: Baton's Jedis backend and Redisson's lockAsync. */
    List<Row> pendingWaiters(int waiters) throws Exception {
        String group = "Redis: " + waiters + " pending async acquires";
        if (!harness.settings().includes(group)) {
            return List.of();
        }
        List<Row> rows = new ArrayList<>();
        try (LockClient holder = baton("redis"); LockClient client = baton("redis")) {
            Lease held = holder.lock("bench/waiters").acquire();
            Footprint before = Footprint.now();
            List<CompletableFuture<Lease>> pending = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                pending.add(client.lock("bench/waiters").acquireAsync());
            }
            Footprint after = Footprint.now();
            pending.forEach(f -> f.cancel(true));
            held.release();
            rows.addAll(after.minus(before, group, "Baton Redis (Jedis)", waiters));
        }
        RedissonClient holderClient = redisson();
        RedissonClient redisson = redisson();
        try {
            RLock held = holderClient.getLock("bench-waiters");
            held.lock(1, TimeUnit.MINUTES);
            Footprint before = Footprint.now();
            RLock lock = redisson.getLock("bench-waiters");
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = 0; i < waiters; i++) {
                pending.add(lock.lockAsync(1, TimeUnit.MINUTES, 1_000_000L + i).toCompletableFuture());
            }
            Footprint after = Footprint.now();
            rows.addAll(after.minus(before, group, "Redisson RLock.lockAsync", waiters));
            pending.forEach(f -> f.cancel(true));
            held.forceUnlock();
        } finally {
            redisson.shutdown();
            holderClient.shutdown();
        }
        return rows;
    }

    /** Commands the server processed per hand-off while a queue of waiters on one client drains. */
    List<Row> commandsPerHandoff(int length) throws Exception {
        String group = "Redis: server commands per hand-off, " + length + " waiter(s) on one client";
        if (!harness.settings().includes(group)) {
            return List.of();
        }
        double baton;
        try (LockClient holder = baton("redis"); LockClient client = baton("redis"); Jedis admin = new Jedis("127.0.0.1", port)) {
            Lease held = holder.lock("bench/herd-" + length).acquire();
            List<CompletableFuture<Void>> served = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                served.add(client.lock("bench/herd-" + length).acquireAsync().thenAccept(Lease::release));
            }
            Thread.sleep(200);
            long before = commands(admin);
            held.release();
            CompletableFuture.allOf(served.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            baton = (commands(admin) - before - 1) / (double) length;
        }
        double redissonCommands;
        RedissonClient holderClient = redisson();
        RedissonClient redisson = redisson();
        try (Jedis admin = new Jedis("127.0.0.1", port)) {
            RLock held = holderClient.getLock("bench-herd-" + length);
            held.lock(1, TimeUnit.MINUTES);
            RLock lock = redisson.getLock("bench-herd-" + length);
            List<CompletableFuture<Void>> served = new ArrayList<>();
            for (int i = 0; i < length; i++) {
                long owner = 2_000_000L + i;
                served.add(lock.lockAsync(1, TimeUnit.MINUTES, owner).toCompletableFuture()
                        .thenCompose(v -> lock.unlockAsync(owner).toCompletableFuture()));
            }
            Thread.sleep(200);
            long before = commands(admin);
            held.unlock();
            CompletableFuture.allOf(served.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            redissonCommands = (commands(admin) - before - 1) / (double) length;
        } finally {
            redisson.shutdown();
            holderClient.shutdown();
        }
        return List.of(
                new Row(group, "Baton Redis (Jedis)", "commands", baton, Double.NaN, Double.NaN, Double.NaN, Double.NaN, false),
                new Row(group, "Redisson RLock", "commands", redissonCommands, Double.NaN, Double.NaN, Double.NaN,
                        redissonCommands / baton, false));
    }

    private static long commands(Jedis admin) {
        for (String line : admin.info("stats").split("\r?\n")) {
            if (line.startsWith("total_commands_processed:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        throw new IllegalStateException("INFO stats has no total_commands_processed");
    }
}
