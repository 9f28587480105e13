package dev.baton.lock.redis;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A lock run by scripts: every lock of the Jedis backend, and the Redisson adapter's recipes. A
 * handle, cheap to create; each request is a {@link ScriptedAcquisition} of its {@link RedisRecipe}.
 */
final class ScriptedLock extends AbstractRedisLock {

    private final ScriptBackend backend;
    private final RedisRecipe recipe;

    /** @param line and {@code exclusive}: see {@link AbstractRedisLock} */
    ScriptedLock(ScriptBackend backend, RedisRecipe recipe, String line, boolean exclusive) {
        super(backend.runtime(), recipe.name(), line, exclusive);
        this.backend = backend;
        this.recipe = recipe;
    }

    @Override
    CompletableFuture<RedisLease> startRequest(long waitNanos, Executor attempts) {
        return new ScriptedAcquisition(backend, recipe, waitNanos, attempts).start();
    }

    @Override
    Executor asyncAttempts() {
        return backend.attempts();
    }
}
