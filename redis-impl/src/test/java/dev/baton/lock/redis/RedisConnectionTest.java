package dev.baton.lock.redis;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Credentials, TLS and bad input on the Jedis backend. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class RedisConnectionTest extends ConnectionTestBase {

    @Override
    String backendName() {
        return "redis";
    }

    /** Baton's keys and channels only: a lock name cannot reach anything else. */
    @Override
    String aclRules() {
        return "~baton:* &baton:* +@all";
    }
}
