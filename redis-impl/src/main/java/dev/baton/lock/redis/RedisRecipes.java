package dev.baton.lock.redis;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.DistributedSemaphore;
import dev.baton.lock.LockNames;
import dev.baton.lock.ReadWriteLock;
import dev.baton.lock.redis.internal.Scripts;
import dev.baton.lock.spi.Recipes;

/**
 * The read-write lock and the semaphore on Redis, for both clients: {@link RedisRecipe.Scripted}
 * recipes over {@link RecipeKeys}, waited for by {@link ScriptedAcquisition}s. (The election is
 * {@link RedisElection}.)
 */
final class RedisRecipes {

    private RedisRecipes() {
    }

    static ReadWriteLock readWriteLock(ScriptBackend backend, String name) {
        LockNames.check(name);
        String ns = backend.runtime().options().namespace();
        var keys = RecipeKeys.readWrite(ns, name);
        String channel = RecipeKeys.channel(ns, RecipeKeys.READ_WRITE, name);
        RedisRecipe reader = new RedisRecipe.Scripted(name, channel, keys, Scripts.READ_ACQUIRE, Scripts.READ_RENEW,
                Scripts.MEMBER_RELEASE, null, "", false, String::valueOf);
        RedisRecipe writer = new RedisRecipe.Scripted(name, channel, keys, Scripts.WRITE_ACQUIRE, Scripts.WRITE_RENEW,
                Scripts.WRITE_RELEASE, Scripts.WRITE_ABANDON, "", true, String::valueOf);
        DistributedLock read = new ScriptedLock(backend, reader, "rw-read:" + name, false);
        DistributedLock write = new ScriptedLock(backend, writer, "rw-write:" + name, true);
        return Recipes.readWriteLock(name, read, write);
    }

    static DistributedSemaphore semaphore(ScriptBackend backend, String name, int permits) {
        Recipes.checkSemaphore(name, permits);
        String ns = backend.runtime().options().namespace();
        RedisRecipe permit = new RedisRecipe.Scripted(name, RecipeKeys.channel(ns, RecipeKeys.SEMAPHORE, name),
                RecipeKeys.semaphore(ns, name), Scripts.PERMIT_ACQUIRE, Scripts.PERMIT_RENEW, Scripts.MEMBER_RELEASE,
                null, Integer.toString(permits), false,
                theirs -> "the semaphore is held with " + theirs + " permits, and this client asked for " + permits
                        + "; every client of a semaphore must use the same number");
        return Recipes.semaphore(name, permits, new ScriptedLock(backend, permit, "sem:" + name, false));
    }
}
