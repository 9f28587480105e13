package dev.baton.lock.redis;

import dev.baton.embedded.EmbeddedRedis;
import java.util.Map;

/**
 * A Redis deployment whose master holding a lock's keys can be failed over to a replica: a
 * Sentinel setup or a Cluster. What {@link FailoverTestBase} needs of either.
 */
interface FailoverFixture extends AutoCloseable {

    /** The {@code baton.*} keys of a client on this deployment (without backend and lease time). */
    Map<String, String> clientConfig();

    /** The master that holds {@code key} now. */
    EmbeddedRedis masterOf(String key);

    /** The replica of {@link #masterOf} {@code key}, the one a failover promotes. */
    EmbeddedRedis replicaOf(String key);

    /** Waits until {@code replica}, whose master was killed, serves as master. */
    void awaitPromotionOf(EmbeddedRedis replica);

    @Override
    void close();

    /** Blocks until the master's writes so far have reached its replica ({@code WAIT 1}). */
    static void awaitReplicated(EmbeddedRedis master) {
        try (redis.clients.jedis.Jedis admin = new redis.clients.jedis.Jedis("127.0.0.1", master.port())) {
            long acked = admin.waitReplicas(1, 10_000);
            if (acked < 1) {
                throw new IllegalStateException("the replica did not acknowledge the master's writes");
            }
        }
    }

    /**
     * Makes sure nothing the master writes from now on reaches {@code replica}: stops the replica
     * (SIGSTOP) and has the master write a value larger than every socket buffer between them, in
     * {@code hashTag}'s slot (a Cluster master owns it), so that later writes wait in the master's
     * own output buffer, and die with it. The value itself never completes on the replica either.
     */
    static void holdBackReplication(EmbeddedRedis master, EmbeddedRedis replica, String hashTag) {
        replica.pause();
        byte[] filler = new byte[48 << 20];
        java.util.Arrays.fill(filler, (byte) 'x');
        try (redis.clients.jedis.Jedis admin = new redis.clients.jedis.Jedis("127.0.0.1", master.port(), 10_000)) {
            admin.set(("{" + hashTag + "}filler").getBytes(java.nio.charset.StandardCharsets.UTF_8), filler);
        }
    }
}
