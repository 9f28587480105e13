package dev.baton.lock.redis;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/** Credentials, TLS and bad input on the Redisson adapter. */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class RedissonConnectionTest extends ConnectionTestBase {

    @Override
    String backendName() {
        return "redisson";
    }

    /** Redisson's lock also uses keys and channels of its own, named redisson_*. */
    @Override
    String aclRules() {
        return "~baton:* ~redisson_* &baton:* &redisson_* +@all";
    }
}
