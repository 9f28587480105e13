package dev.baton.bench;

import dev.baton.lock.Leadership;
import dev.baton.lock.LockClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderSelector;
import org.apache.curator.framework.recipes.leader.LeaderSelectorListenerAdapter;
import org.apache.curator.retry.RetryOneTime;

/**
 * Election crash failover: a leader in a child JVM ({@link #main}) is killed with SIGKILL while a
 * candidate in this JVM waits; the row is the time from the kill to the candidate leading. Every
 * contestant runs with a 4 s session (ZooKeeper; the least the benchmark's server allows with its
 * 2 s tick) or a 4 s lease (Redis), which bounds the failover: nothing tells the others that a
 * killed process is gone but the end of its session or lease.
 */
final class CrashFailover {

    static final long SESSION_MILLIS = 4_000;
    private static final String GROUP = RecipeBench.PREFIX + "election, leader killed (SIGKILL) → next leader (ms)";

    private final String connect;
    private final String redisUri;
    private final Harness harness;

    CrashFailover(String connect, String redisUri, Harness harness) {
        this.connect = connect;
        this.redisUri = redisUri;
        this.harness = harness;
    }

    List<Row> rows(int crashes) throws Exception {
        if (!harness.settings().includes(GROUP)) {
            return List.of();
        }
        List<Row> rows = new ArrayList<>();
        for (String kind : List.of("baton:zookeeper", "curator-latch", "curator-selector", "baton:redis",
                "baton:redisson")) {
            double[] millis = new double[crashes];
            for (int i = 0; i < crashes; i++) {
                millis[i] = crashOnce(kind, "bench/crash-" + kind.replace(':', '-') + "-" + i);
            }
            String name = switch (kind) {
                case "baton:zookeeper" -> "Baton ZooKeeper";
                case "curator-latch" -> "Curator LeaderLatch";
                case "curator-selector" -> "Curator LeaderSelector";
                case "baton:redis" -> "Baton Redis (Jedis)";
                default -> "Baton Redisson adapter";
            };
            rows.add(new Row(GROUP, name + " (" + crashes + " crashes)", "ms", Stats.median(millis), Double.NaN,
                    Stats.min(millis), Stats.max(millis), Double.NaN, false));
        }
        return rows;
    }

    private String target(String kind) {
        return kind.equals("baton:redis") || kind.equals("baton:redisson") ? redisUri : connect;
    }

    private double crashOnce(String kind, String name) throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                CrashFailover.class.getName(), kind, target(kind), name);
        Path log = Files.createTempFile("baton-crash-failover-", ".log");
        Process child = new ProcessBuilder(command).redirectError(log.toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line = out.readLine();
            if (!"LEADER".equals(line)) {
                child.waitFor(10, TimeUnit.SECONDS);
                // Its stderr says why (a client that could not connect, say): without it the failure says nothing.
                List<String> err = Files.readAllLines(log, StandardCharsets.UTF_8);
                throw new IOException("the " + kind + " candidate JVM did not lead (it said: " + line + "); its stderr:\n"
                        + String.join("\n", err.subList(Math.max(0, err.size() - 20), err.size())));
            }
            try (Candidate next = candidate(kind, name)) {
                Thread.sleep(500); // queued behind the child
                long killed = System.nanoTime();
                child.destroyForcibly();
                next.awaitLeading();
                return (System.nanoTime() - killed) / 1e6;
            }
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        }
    }

    /** A candidate in this JVM: started at once, waited for by {@link #awaitLeading()}. */
    private interface Candidate extends AutoCloseable {
        void awaitLeading() throws Exception;
    }

    private Candidate candidate(String kind, String name) throws Exception {
        if (kind.startsWith("baton:")) {
            LockClient client = RecipeBench.open(kind.substring("baton:".length()), target(kind), SESSION_MILLIS);
            CompletableFuture<Leadership> campaign = client.election(name).campaignAsync();
            return new Candidate() {
                @Override
                public void awaitLeading() throws Exception {
                    campaign.get(60, TimeUnit.SECONDS);
                }

                @Override
                public void close() {
                    client.close();
                }
            };
        }
        CuratorFramework curator = curator(connect);
        CountDownLatch leading = new CountDownLatch(1);
        AutoCloseable recipe = startCurator(kind, curator, "/curator-bench/" + name, leading);
        return new Candidate() {
            @Override
            public void awaitLeading() throws Exception {
                if (!leading.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(kind + " never led");
                }
            }

            @Override
            public void close() throws Exception {
                recipe.close();
                curator.close();
            }
        };
    }

    private static CuratorFramework curator(String connect) throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, (int) SESSION_MILLIS, 10_000,
                new RetryOneTime(100));
        curator.start();
        curator.blockUntilConnected(10, TimeUnit.SECONDS);
        return curator;
    }

    private static AutoCloseable startCurator(String kind, CuratorFramework curator, String path, CountDownLatch leading)
            throws Exception {
        if (kind.equals("curator-latch")) {
            LeaderLatch latch = new LeaderLatch(curator, path);
            latch.addListener(new org.apache.curator.framework.recipes.leader.LeaderLatchListener() {
                @Override
                public void isLeader() {
                    leading.countDown();
                }

                @Override
                public void notLeader() {
                }
            });
            latch.start();
            return latch;
        }
        LeaderSelector selector = new LeaderSelector(curator, path, new LeaderSelectorListenerAdapter() {
            @Override
            public void takeLeadership(CuratorFramework client) throws Exception {
                leading.countDown();
                Thread.sleep(Long.MAX_VALUE);
            }
        });
        selector.start();
        return selector;
    }

    /** The child JVM: {@code <kind> <target> <name>}; prints LEADER once it leads, then waits to be killed. */
    public static void main(String[] args) throws Exception {
        String kind = args[0];
        if (kind.startsWith("baton:")) {
            LockClient client = RecipeBench.open(kind.substring("baton:".length()), args[1], SESSION_MILLIS);
            client.election(args[2]).campaign();
        } else {
            CuratorFramework curator = curator(args[1]);
            CountDownLatch leading = new CountDownLatch(1);
            startCurator(kind, curator, "/curator-bench/" + args[2], leading);
            leading.await();
        }
        System.out.println("LEADER");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
