package dev.baton.lock.redis;

import dev.baton.lock.redis.internal.Scripts;
import dev.baton.lock.LockInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClusterClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;
import redis.clients.jedis.util.SafeEncoder;

/**
 * Lists the locks held on the Jedis backend, for operators: SCAN for lease keys (on every node of
 * a cluster), then one read-only script per key for its holder and token, on the key's master.
 */
final class JedisInspection {

    private static final int PAGE = 500;
    private static final int MAX_PAGES = 1_000_000;

    private JedisInspection() {
    }

    static List<LockInfo> heldLocks(JedisBackend backend, UnifiedJedis jedis, String namespace, String namePrefix) {
        String keyPrefix = namespace + ":lock:";
        List<LockInfo> held = new ArrayList<>();
        for (String key : lockKeys(jedis, keyPrefix + "{*}")) {
            String name = LockKeys.nameOf(key, keyPrefix);
            if (name == null || !name.startsWith(namePrefix)) {
                continue;
            }
            LockKeys keys = LockKeys.of(namespace, name);
            List<?> reply = (List<?>) backend.eval(Scripts.INSPECT, List.of(keys.lock(), keys.fence()), List.of());
            if (reply != null) {
                held.add(new LockInfo(name, reply.get(0).toString(), Long.parseLong(reply.get(1).toString()),
                        Optional.empty(), -1));
            }
        }
        held.sort(Comparator.comparing(LockInfo::name));
        return held;
    }

    /** The keys matching {@code pattern}, on every node of a cluster. */
    static Set<String> lockKeys(UnifiedJedis jedis, String pattern) {
        Set<String> keys = new TreeSet<>();
        if (!(jedis instanceof RedisClusterClient)) {
            ScanParams params = new ScanParams().match(pattern).count(PAGE);
            scan(cursor -> {
                ScanResult<String> page = jedis.scan(cursor, params);
                keys.addAll(page.getResult());
                return page.getCursor();
            });
            return keys;
        }
        // A cluster has no keyspace-wide SCAN: every node is scanned, replicas included, and each
        // key found is then read on its master.
        for (ConnectionPool pool : ((RedisClusterClient) jedis).getClusterNodes().values()) {
            try (Connection connection = pool.getResource()) {
                scan(cursor -> {
                    List<?> page = (List<?>) connection.executeCommand(new CommandArguments(Protocol.Command.SCAN)
                            .add(cursor).add("MATCH").add(pattern).add("COUNT").add(PAGE));
                    for (Object key : (List<?>) page.get(1)) {
                        keys.add(SafeEncoder.encode((byte[]) key));
                    }
                    return SafeEncoder.encode((byte[]) page.get(0));
                });
            }
        }
        return keys;
    }

    /** Runs SCAN pages from cursor 0 until the cursor comes back to 0; {@code page} returns the next cursor. */
    private static void scan(UnaryOperator<String> page) {
        String cursor = ScanParams.SCAN_POINTER_START;
        for (int i = 0; i < MAX_PAGES; i++) {
            cursor = page.apply(cursor);
            if (cursor.equals(ScanParams.SCAN_POINTER_START)) {
                return;
            }
        }
    }
}
