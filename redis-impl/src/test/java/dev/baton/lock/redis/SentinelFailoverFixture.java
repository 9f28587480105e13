package dev.baton.lock.redis;

import dev.baton.embedded.EmbeddedRedis;
import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.redis.RedisServerExtension;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.Jedis;

/**
 * A master, a replica and one Sentinel that calls the master down after 1 s; a failover promotes
 * the replica. Everything is started per test and closed after it.
 */
final class SentinelFailoverFixture implements FailoverFixture {

    static final String MASTER_NAME = "baton-failover";

    private final List<EmbeddedRedis> servers = new ArrayList<>();
    private EmbeddedRedis sentinel;

    static SentinelFailoverFixture start() {
        SentinelFailoverFixture fixture = new SentinelFailoverFixture();
        try {
            EmbeddedRedis master = fixture.add(RedisServerExtension.builder().start());
            fixture.add(RedisServerExtension.builder()
                    .args("--replicaof", "127.0.0.1", Integer.toString(master.port())).start());
            fixture.sentinel = RedisServerExtension.builder().sentinelOf(master, MASTER_NAME).start();
            try (Jedis admin = fixture.sentinelAdmin()) {
                admin.sentinelSet(MASTER_NAME, Map.of("down-after-milliseconds", "1000", "failover-timeout", "10000"));
            }
            Timing.await("the replica is in sync and known to the Sentinel").atMost(Timing.scaled(Duration.ofSeconds(60)))
                    .until(() -> info(master).contains("state=online") && fixture.sentinelKnowsReplica());
            return fixture;
        } catch (RuntimeException | Error e) {
            fixture.close();
            throw e;
        }
    }

    private EmbeddedRedis add(EmbeddedRedis server) {
        servers.add(server);
        return server;
    }

    private Jedis sentinelAdmin() {
        return new Jedis("127.0.0.1", sentinel.port());
    }

    private boolean sentinelKnowsReplica() {
        try (Jedis admin = sentinelAdmin()) {
            return !admin.sentinelReplicas(MASTER_NAME).isEmpty();
        }
    }

    private int masterPort() {
        try (Jedis admin = sentinelAdmin()) {
            return Integer.parseInt(admin.sentinelGetMasterAddrByName(MASTER_NAME).get(1));
        }
    }

    static String info(EmbeddedRedis server) {
        try (Jedis admin = new Jedis("127.0.0.1", server.port())) {
            return admin.info("replication");
        }
    }

    @Override
    public Map<String, String> clientConfig() {
        return Map.of("baton.redis.sentinel.master", MASTER_NAME,
                "baton.redis.sentinel.nodes", "127.0.0.1:" + sentinel.port());
    }

    @Override
    public EmbeddedRedis masterOf(String key) {
        int port = masterPort();
        return servers.stream().filter(s -> s.port() == port).findFirst().orElseThrow();
    }

    @Override
    public EmbeddedRedis replicaOf(String key) {
        int port = masterPort();
        return servers.stream().filter(s -> s.port() != port).findFirst().orElseThrow();
    }

    @Override
    public void awaitPromotionOf(EmbeddedRedis replica) {
        Timing.await("the Sentinel promotes the replica").atMost(Timing.scaled(Duration.ofSeconds(60)))
                .ignoreExceptions()
                .until(() -> masterPort() == replica.port() && info(replica).contains("role:master"));
    }

    @Override
    public void close() {
        if (sentinel != null) {
            sentinel.close();
        }
        servers.forEach(EmbeddedRedis::close);
    }
}
