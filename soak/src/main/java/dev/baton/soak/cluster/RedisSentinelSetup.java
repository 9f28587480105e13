package dev.baton.soak.cluster;

import dev.baton.soak.FaultKind;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import redis.clients.jedis.Jedis;

/**
 * A master, a replica and a Sentinel. A failover kills whichever node is master now; the Sentinel
 * promotes the replica; the killed node comes back empty and the Sentinel makes it a replica of the
 * new master, so the next failover starts from the same shape.
 */
public final class RedisSentinelSetup extends RedisSetup {

    static final String MASTER_NAME = "soak-master";
    private static final Duration DOWN_AFTER = Duration.ofMillis(1000);

    private final List<RedisNode> servers;
    private final RedisNode sentinel;

    private RedisSentinelSetup(String backend, Duration leaseTime, List<RedisNode> servers, RedisNode sentinel) {
        super(backend, leaseTime);
        this.servers = servers;
        this.sentinel = sentinel;
    }

    /** Starts master, replica and Sentinel, and waits until the replica is in sync. */
    public static RedisSentinelSetup start(Path root, String backend, Duration leaseTime) {
        RedisNode master = RedisNode.server(root);
        RedisNode replica = null;
        RedisNode sentinel = null;
        try {
            replica = RedisNode.server(root, "--replicaof", "127.0.0.1", Integer.toString(master.port()));
            sentinel = RedisNode.sentinel(root, master, MASTER_NAME, DOWN_AFTER);
            RedisSentinelSetup setup = new RedisSentinelSetup(backend, leaseTime, List.of(master, replica), sentinel);
            Wait.require("the Sentinel setup is in sync", Duration.ofSeconds(60), setup::healthy);
            return setup;
        } catch (RuntimeException e) {
            master.close();
            if (replica != null) {
                replica.close();
            }
            if (sentinel != null) {
                sentinel.close();
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return "redis-sentinel";
    }

    @Override
    public String description() {
        return "redis-server " + servers.get(0).version() + " master + replica + 1 Sentinel (down-after "
                + DOWN_AFTER.toMillis() + " ms, no persistence), backend " + backendName() + ", lease "
                + leaseTime.toMillis() + " ms";
    }

    @Override
    public Set<FaultKind> serverFaults() {
        return EnumSet.of(FaultKind.SENTINEL_FAILOVER);
    }

    @Override
    public List<InetSocketAddress> proxyTargets() {
        return List.of();
    }

    @Override
    public Map<String, String> clientConfig(List<InetSocketAddress> addresses) {
        Map<String, String> config = commonConfig();
        config.put("baton.redis.sentinel.master", MASTER_NAME);
        config.put("baton.redis.sentinel.nodes", "127.0.0.1:" + sentinel.port());
        return config;
    }

    @Override
    public Injection inject(FaultKind kind) {
        if (kind != FaultKind.SENTINEL_FAILOVER) {
            throw new IllegalArgumentException(kind.id() + " is not a Sentinel fault");
        }
        int before = masterPort();
        RedisNode master = node(before);
        master.kill();
        return new Injection() {
            @Override
            public String target() {
                return master + " (master)";
            }

            @Override
            public Duration hold() {
                return Duration.ZERO;
            }

            @Override
            public void heal() {
                // Bring the old master back only once the replica is promoted: back earlier, it
                // would be master again, empty, and the Sentinel might keep it.
                Wait.require("the Sentinel promotes the replica", Duration.ofSeconds(60),
                        () -> masterPort() != before && node(masterPort()).info("replication").contains("role:master"));
                master.start();
            }
        };
    }

    private int masterPort() {
        try (Jedis jedis = sentinel.admin()) {
            return Integer.parseInt(jedis.sentinelGetMasterAddrByName(MASTER_NAME).get(1));
        }
    }

    private RedisNode node(int port) {
        return servers.stream().filter(s -> s.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("the Sentinel names an unknown master :" + port));
    }

    @Override
    public boolean healthy() {
        int master = masterPort();
        String info = node(master).info("replication");
        return info.contains("role:master") && info.contains("connected_slaves:1")
                && info.contains("state=online") && servers.stream().allMatch(RedisNode::running);
    }

    @Override
    public void close() {
        sentinel.close();
        servers.forEach(RedisNode::close);
    }
}
