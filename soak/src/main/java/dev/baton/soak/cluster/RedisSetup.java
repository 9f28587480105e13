package dev.baton.soak.cluster;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** What every Redis topology shares: the backend (Jedis or Redisson) and the lease settings. */
abstract class RedisSetup implements LockCluster {

    final Duration leaseTime;
    private final String backend;

    RedisSetup(String backend, Duration leaseTime) {
        this.backend = backend;
        this.leaseTime = leaseTime;
    }

    /** The {@code baton.*} keys every worker gets, before the topology's own. */
    Map<String, String> commonConfig() {
        Map<String, String> config = new HashMap<>();
        config.put("baton.backend", backend);
        config.put("baton.lock.lease-time", leaseTime.toMillis() + "ms");
        // A third of the lease: a stalled command must not eat the whole renewal budget.
        config.put("baton.redis.timeout", Math.max(200, leaseTime.toMillis() / 3) + "ms");
        config.put("baton.redis.connect-timeout", Math.max(500, leaseTime.toMillis() / 2) + "ms");
        return config;
    }

    String backendName() {
        return backend;
    }

    @Override
    public Duration lossHorizon() {
        return leaseTime;
    }

    /** A fault handle for the simple cases. */
    static Injection injection(String target, Duration hold, Runnable heal) {
        return new Injection() {
            @Override
            public String target() {
                return target;
            }

            @Override
            public Duration hold() {
                return hold;
            }

            @Override
            public void heal() {
                heal.run();
            }
        };
    }
}
