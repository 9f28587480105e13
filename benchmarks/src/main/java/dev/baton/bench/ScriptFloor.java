package dev.baton.bench;

import dev.baton.lock.redis.internal.Scripts;
import java.util.List;
import redis.clients.jedis.Jedis;

/**
 * The benchmark's floor for the Redis lock: Baton's own acquire and release scripts, sent with
 * EVALSHA on a plain connection, with none of the client around them. What separates it from two
 * PINGs is what Redis itself spends running the scripts. It runs the backend's own scripts, from
 * redis-impl's internal package (not API), so that the floor runs exactly what the backend runs.
 */
final class ScriptFloor {

    private final Jedis jedis;
    private final List<String> acquireKeys = List.of("{baton:floor}:lock", "{baton:floor}:fence");
    private final List<String> acquireArgs = List.of("floor-lease", "30000", Long.toString(Scripts.FENCE_TTL.toMillis()));
    private final List<String> releaseKeys = List.of("{baton:floor}:lock");
    private final List<String> releaseArgs = List.of("floor-lease", "{baton:floor}:released");

    ScriptFloor(Jedis jedis) {
        this.jedis = jedis;
        jedis.scriptLoad(Scripts.ACQUIRE.text());
        jedis.scriptLoad(Scripts.RELEASE.text());
    }

    /** One acquire and one release, as the backend sends them. */
    void acquireAndRelease() {
        jedis.evalsha(Scripts.ACQUIRE.sha(), acquireKeys, acquireArgs);
        jedis.evalsha(Scripts.RELEASE.sha(), releaseKeys, releaseArgs);
    }
}
