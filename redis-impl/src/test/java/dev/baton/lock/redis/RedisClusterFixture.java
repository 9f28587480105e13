package dev.baton.lock.redis;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * A Redis Cluster of three masters started by the test: three {@code redis-server --cluster-enabled yes}
 * processes that the fixture introduces to each other (CLUSTER MEET) and gives a third of the
 * 16384 slots each (CLUSTER ADDSLOTS), then waits until every node reports the cluster ok.
 */
final class RedisClusterFixture implements AutoCloseable {

    private static final int SLOTS = 16384;

    private final List<EmbeddedRedis> nodes = new ArrayList<>();
    private final List<EmbeddedRedis> replicas = new ArrayList<>();

    private RedisClusterFixture() {
    }

    static RedisClusterFixture start(int masters) {
        RedisClusterFixture cluster = new RedisClusterFixture();
        try {
            for (int i = 0; i < masters; i++) {
                cluster.nodes.add(RedisServerExtension.builder().clusterNode().start());
            }
            cluster.form();
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    List<EmbeddedRedis> nodes() {
        return nodes;
    }

    /** {@code 127.0.0.1:p1,127.0.0.1:p2,...}: the value of {@code baton.redis.cluster.nodes}. */
    String seeds() {
        return nodes.stream().map(n -> "127.0.0.1:" + n.port()).collect(Collectors.joining(","));
    }

    /**
     * Adds a replica of master {@code index}, in sync, that may fail over however far behind it is
     * ({@code cluster-replica-validity-factor 0}); every node then calls a silent peer failed after
     * {@code nodeTimeout}.
     */
    @SuppressWarnings("deprecation") // see form()
    EmbeddedRedis addReplica(int index, Duration nodeTimeout) {
        EmbeddedRedis master = nodes.get(index);
        EmbeddedRedis replica = RedisServerExtension.builder().clusterNode()
                .args("--cluster-replica-validity-factor", "0").start();
        replicas.add(replica);
        String masterId;
        try (RedisClient admin = RedisAdmin.admin(master)) {
            masterId = new String((byte[]) admin.sendCommand(Protocol.Command.CLUSTER, "MYID"),
                    java.nio.charset.StandardCharsets.UTF_8);
            admin.sendCommand(Protocol.Command.CLUSTER, "MEET", "127.0.0.1", Integer.toString(replica.port()));
        }
        try (RedisClient admin = RedisAdmin.admin(replica)) {
            Timing.await("the new node knows the master").atMost(Timing.scaled(Duration.ofSeconds(30)))
                    .until(() -> new String((byte[]) admin.sendCommand(Protocol.Command.CLUSTER, "NODES"),
                            java.nio.charset.StandardCharsets.UTF_8).contains(masterId));
            admin.sendCommand(Protocol.Command.CLUSTER, "REPLICATE", masterId);
        }
        for (EmbeddedRedis node : all()) {
            try (RedisClient admin = RedisAdmin.admin(node)) {
                admin.configSet("cluster-node-timeout", Long.toString(nodeTimeout.toMillis()));
            }
        }
        Timing.await("the replica is in sync").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> replication(master).contains("state=online")
                        && all().stream().allMatch(n -> info(n).contains("cluster_state:ok")));
        return replica;
    }

    /** The masters and the replicas. */
    List<EmbeddedRedis> all() {
        List<EmbeddedRedis> all = new ArrayList<>(nodes);
        all.addAll(replicas);
        return all;
    }

    /** {@code INFO replication} of {@code node}. */
    static String replication(EmbeddedRedis node) {
        try (RedisClient admin = RedisAdmin.admin(node)) {
            return admin.info("replication");
        }
    }

    /** The hash slot of {@code key}. */
    static int slotOf(String key) {
        return redis.clients.jedis.util.JedisClusterCRC16.getSlot(key);
    }

    /** The index of the master that was given {@code slot} when the cluster formed. */
    int masterIndexOf(int slot) {
        for (int i = 0; i < nodes.size(); i++) {
            if (slot < (i + 1) * SLOTS / nodes.size()) {
                return i;
            }
        }
        throw new IllegalArgumentException("no such slot: " + slot);
    }

    @SuppressWarnings("deprecation") // UnifiedJedis has no typed CLUSTER admin commands; sendCommand is the way
    private void form() {
        try (RedisClient first = RedisAdmin.admin(nodes.get(0))) {
            for (EmbeddedRedis node : nodes.subList(1, nodes.size())) {
                first.sendCommand(Protocol.Command.CLUSTER, "MEET", "127.0.0.1", Integer.toString(node.port()));
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            int from = i * SLOTS / nodes.size();
            int to = (i + 1) * SLOTS / nodes.size();
            try (RedisClient admin = RedisAdmin.admin(nodes.get(i))) {
                List<String> args = new ArrayList<>(List.of("ADDSLOTS"));
                for (int slot = from; slot < to; slot++) {
                    args.add(Integer.toString(slot));
                }
                admin.sendCommand(Protocol.Command.CLUSTER, args.toArray(new String[0]));
            }
        }
        String known = "cluster_known_nodes:" + nodes.size();
        Timing.await("the cluster is formed").atMost(Timing.scaled(Duration.ofSeconds(30)))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> nodes.stream().allMatch(node -> {
                    String info = info(node);
                    return info.contains("cluster_state:ok") && info.contains(known)
                            && info.contains("cluster_slots_assigned:" + SLOTS);
                }));
    }

    @SuppressWarnings("deprecation") // see form()
    static String info(EmbeddedRedis node) {
        try (RedisClient admin = RedisAdmin.admin(node)) {
            Object reply = admin.sendCommand(Protocol.Command.CLUSTER, "INFO");
            return new String((byte[]) reply, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * What each node says of the cluster ({@code CLUSTER NODES}, {@code CLUSTER INFO}) and the last
     * lines of its log, for a test that waited in vain for the cluster to do something.
     */
    @SuppressWarnings("deprecation") // see form()
    String describe() {
        StringBuilder out = new StringBuilder();
        for (EmbeddedRedis node : all()) {
            out.append("--- ").append(node).append('\n');
            try (RedisClient admin = RedisAdmin.admin(node)) {
                out.append(new String((byte[]) admin.sendCommand(Protocol.Command.CLUSTER, "NODES"),
                        java.nio.charset.StandardCharsets.UTF_8));
                out.append(info(node)).append('\n');
            } catch (RuntimeException e) {
                out.append("not answering: ").append(e).append('\n');
            }
            try {
                List<String> lines = java.nio.file.Files.readAllLines(node.log());
                out.append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())))
                        .append('\n');
            } catch (java.io.IOException | RuntimeException e) {
                out.append("no log: ").append(e).append('\n');
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        replicas.forEach(EmbeddedRedis::close);
        nodes.forEach(EmbeddedRedis::close);
    }
}
