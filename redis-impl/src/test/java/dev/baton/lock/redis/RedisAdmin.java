package dev.baton.lock.redis;

import dev.baton.embedded.EmbeddedRedis;
import java.util.Set;
import java.util.TreeSet;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** What the tests ask a {@code redis-server} directly, through a plain Jedis connection. */
final class RedisAdmin {

    private RedisAdmin() {
    }

    /** A plain connection for setting the server up; close it. */
    static RedisClient admin(EmbeddedRedis server) {
        return RedisClient.create("127.0.0.1", server.port());
    }

    /** Every key in the server's database 0 (cluster nodes: this node's keys). */
    static Set<String> keys(EmbeddedRedis server) {
        Set<String> keys = new TreeSet<>();
        try (RedisClient admin = admin(server)) {
            String cursor = ScanParams.SCAN_POINTER_START;
            for (int i = 0; i < 10_000; i++) {
                ScanResult<String> page = admin.scan(cursor, new ScanParams().count(1000));
                keys.addAll(page.getResult());
                cursor = page.getCursor();
                if (cursor.equals(ScanParams.SCAN_POINTER_START)) {
                    return keys;
                }
            }
        }
        throw new IllegalStateException("SCAN did not finish");
    }
}
