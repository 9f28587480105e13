package dev.baton.soak.cluster;

import dev.baton.soak.FaultKind;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import redis.clients.jedis.Jedis;

/**
 * A Redis Cluster of three masters, each with one replica. A failover kills a master chosen at
 * random; its replica takes over its slots after the node timeout; the killed node comes back empty
 * (its {@code nodes.conf} kept) and rejoins as a replica of the node that replaced it.
 */
public final class RedisClusterSetup extends RedisSetup {

    private static final int SLOTS = 16384;
    private static final int MASTERS = 3;
    private static final Duration NODE_TIMEOUT = Duration.ofMillis(1000);

    private final List<RedisNode> nodes = new ArrayList<>();

    private RedisClusterSetup(String backend, Duration leaseTime) {
        super(backend, leaseTime);
    }

    /** Starts six nodes, forms the cluster and waits until every replica is in sync. */
    public static RedisClusterSetup start(Path root, String backend, Duration leaseTime) {
        RedisClusterSetup setup = new RedisClusterSetup(backend, leaseTime);
        try {
            // Started one after another: a failure leaves the ones already up in the list, to be closed.
            for (int i = 0; i < 2 * MASTERS; i++) {
                setup.nodes.add(RedisNode.clusterNode(root, NODE_TIMEOUT));
            }
            setup.form();
            return setup;
        } catch (RuntimeException e) {
            setup.close();
            throw e;
        }
    }

    private void form() {
        RedisNode first = nodes.get(0);
        try (Jedis admin = first.admin()) {
            for (RedisNode node : nodes.subList(1, nodes.size())) {
                admin.clusterMeet("127.0.0.1", node.port());
            }
        }
        Wait.require("every cluster node knows the others", Duration.ofSeconds(30), () -> nodes.stream()
                .allMatch(n -> clusterInfo(n).contains("cluster_known_nodes:" + nodes.size())));
        for (int i = 0; i < MASTERS; i++) {
            int from = i * SLOTS / MASTERS;
            int to = (i + 1) * SLOTS / MASTERS;
            int[] slots = new int[to - from];
            for (int s = from; s < to; s++) {
                slots[s - from] = s;
            }
            try (Jedis admin = nodes.get(i).admin()) {
                admin.clusterAddSlots(slots);
            }
        }
        for (int i = 0; i < MASTERS; i++) {
            String masterId;
            try (Jedis admin = nodes.get(i).admin()) {
                masterId = admin.clusterMyId();
            }
            RedisNode replica = nodes.get(MASTERS + i);
            Wait.require(replica + " becomes a replica", Duration.ofSeconds(30), () -> {
                try (Jedis admin = replica.admin()) {
                    admin.clusterReplicate(masterId);
                    return true;
                }
            });
        }
        Wait.require("the cluster is formed and in sync", Duration.ofSeconds(60), this::healthy);
    }

    private static String clusterInfo(RedisNode node) {
        try (Jedis admin = node.admin()) {
            return admin.clusterInfo();
        } catch (RuntimeException e) {
            return "";
        }
    }

    @Override
    public String name() {
        return "redis-cluster";
    }

    @Override
    public String description() {
        return "Redis Cluster " + nodes.get(0).version() + ": 3 masters + 3 replicas (node timeout "
                + NODE_TIMEOUT.toMillis() + " ms, no persistence), backend " + backendName() + ", lease "
                + leaseTime.toMillis() + " ms";
    }

    @Override
    public Set<FaultKind> serverFaults() {
        return EnumSet.of(FaultKind.CLUSTER_FAILOVER);
    }

    @Override
    public List<InetSocketAddress> proxyTargets() {
        return List.of();
    }

    @Override
    public Map<String, String> clientConfig(List<InetSocketAddress> addresses) {
        Map<String, String> config = commonConfig();
        config.put("baton.redis.cluster.nodes", nodes.stream().map(n -> "127.0.0.1:" + n.port())
                .collect(Collectors.joining(",")));
        return config;
    }

    @Override
    public Injection inject(FaultKind kind) {
        if (kind != FaultKind.CLUSTER_FAILOVER) {
            throw new IllegalArgumentException(kind.id() + " is not a Cluster fault");
        }
        List<RedisNode> masters = nodes.stream().filter(n -> n.info("replication").contains("role:master")).toList();
        RedisNode victim = masters.get(ThreadLocalRandom.current().nextInt(masters.size()));
        victim.kill();
        return injection(victim + " (master)", Duration.ZERO, () -> {
            Wait.require("a replica replaces " + victim, Duration.ofSeconds(60), () -> nodes.stream()
                    .filter(n -> n != victim)
                    .allMatch(n -> clusterInfo(n).contains("cluster_state:ok")));
            victim.start();
        });
    }

    @Override
    public boolean healthy() {
        int masters = 0;
        int syncedReplicas = 0;
        for (RedisNode node : nodes) {
            if (!node.running() || !clusterInfo(node).contains("cluster_state:ok")) {
                return false;
            }
            String replication = node.info("replication");
            if (replication.contains("role:master")) {
                masters++;
            } else if (replication.contains("master_link_status:up")) {
                syncedReplicas++;
            }
        }
        return masters == MASTERS && syncedReplicas == MASTERS;
    }

    @Override
    public void close() {
        nodes.forEach(RedisNode::close);
    }
}
