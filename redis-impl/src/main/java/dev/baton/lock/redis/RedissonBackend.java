package dev.baton.lock.redis;

import dev.baton.lock.redis.internal.Scripts;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.api.RLock;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.redisson.client.RedisAuthRequiredException;
import org.redisson.client.RedisBusyException;
import org.redisson.client.RedisClusterDownException;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisLoadingException;
import org.redisson.client.RedisMasterDownException;
import org.redisson.client.RedisNodeNotFoundException;
import org.redisson.client.RedisReadonlyException;
import org.redisson.client.RedisReconnectedException;
import org.redisson.client.RedisRetryException;
import org.redisson.client.RedisTimeoutException;
import org.redisson.client.RedisTryAgainException;
import org.redisson.client.RedisWrongPasswordException;
import org.redisson.client.codec.StringCodec;

/**
 * The Redisson machinery one {@link RedissonLockClient} shares among its locks.
 *
 * <p>Redisson's lock is reentrant per owner, and names its owner {@code <client id>:<thread id>}.
 * Baton gives every request an owner id of its own, drawn from a counter shared by the whole JVM (so
 * two adapters on one {@code RedissonClient} never share an id) and started far above any thread id,
 * and passes it to Redisson's explicit-owner calls: the lease then belongs to the request, and any
 * thread can release it.
 *
 * <p>Thread-safe.
 */
final class RedissonBackend {

    private static final AtomicLong OWNER_IDS = new AtomicLong(
            (1L << 62) + ThreadLocalRandom.current().nextLong(1L << 40) * 1_000_000L);

    private final RedissonClient redisson;
    private final RScript script;
    private final ClientRuntime runtime;
    private final long giveUpNanos;

    /** @param giveUpNanos how long a waiting request keeps retrying while Redis is unreachable */
    RedissonBackend(RedissonClient redisson, ClientRuntime runtime, long giveUpNanos) {
        this.redisson = redisson;
        this.script = redisson.getScript(StringCodec.INSTANCE);
        this.runtime = runtime;
        this.giveUpNanos = giveUpNanos;
    }

    ClientRuntime runtime() {
        return runtime;
    }

    long giveUpNanos() {
        return giveUpNanos;
    }

    long newOwnerId() {
        return OWNER_IDS.incrementAndGet();
    }

    /** The hash field Redisson writes for {@code ownerId}: {@code <client id>:<owner id>}. */
    String ownerField(long ownerId) {
        return redisson.getId() + ":" + ownerId;
    }

    RLock lock(LockKeys keys) {
        return redisson.getLock(keys.rlock());
    }

    long leaseMillis() {
        return runtime.options().leaseTime().toMillis();
    }

    /** Runs one of {@link Scripts}' Redisson scripts on the lock's slot; the reply is an integer. */
    CompletableFuture<Long> eval(Scripts.Script lua, LockKeys keys, long ownerId) {
        return script.<Long>evalAsync(keys.rlock(), RScript.Mode.READ_WRITE, lua.text(), RScript.ReturnType.LONG,
                List.<Object>of(keys.rlock(), keys.fence()), ownerField(ownerId), Long.toString(leaseMillis()),
                Long.toString(Scripts.FENCE_TTL.toMillis())).toCompletableFuture();
    }

    /**
     * Whether waiting could cure {@code error}: lost connections, timeouts, failovers, a server
     * still loading. The Redisson counterpart of {@link Faults#isTransient}.
     */
    static boolean isTransient(Throwable error) {
        return error instanceof RedisConnectionException || error instanceof RedisTimeoutException
                || error instanceof RedisLoadingException || error instanceof RedisTryAgainException
                || error instanceof RedisClusterDownException || error instanceof RedisMasterDownException
                || error instanceof RedisReadonlyException || error instanceof RedisNodeNotFoundException
                || error instanceof RedisReconnectedException || error instanceof RedisRetryException
                || error instanceof RedisBusyException;
    }

    /** The locks held now whose names start with {@code namePrefix}, sorted by name (see {@link LockInspection}). */
    List<LockInfo> heldLocks(String namePrefix) {
        String keyPrefix = runtime.options().namespace() + ":rlock:";
        Set<String> found = new TreeSet<>();
        redisson.getKeys().getKeys(KeysScanOptions.defaults().pattern(keyPrefix + "{*}").chunkSize(500))
                .forEach(found::add);
        List<LockInfo> held = new ArrayList<>();
        for (String key : found) {
            String name = LockKeys.nameOf(key, keyPrefix);
            if (name == null || !name.startsWith(namePrefix)) {
                continue;
            }
            LockKeys keys = LockKeys.of(runtime.options().namespace(), name);
            List<Object> reply = script.eval(keys.rlock(), RScript.Mode.READ_ONLY, Scripts.REDISSON_INSPECT.text(),
                    RScript.ReturnType.LIST, List.<Object>of(keys.rlock(), keys.fence()));
            if (reply != null && reply.size() == 2) {
                held.add(new LockInfo(name, reply.get(0).toString(), Long.parseLong(reply.get(1).toString()),
                        Optional.empty(), -1));
            }
        }
        return held;
    }

    /** A {@link LockException} for a Redisson failure, saying what was being done. */
    static LockException lockException(String what, Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof RedisWrongPasswordException || cause instanceof RedisAuthRequiredException
                    || Faults.isAuthentication(cause)) {
                return new LockException("cannot " + what + ": Redis refused authentication (" + reason(cause)
                        + "); check " + RedisConfigKeys.USER.name() + " and " + RedisConfigKeys.PASSWORD.name(), error);
            }
        }
        return new LockException("cannot " + what + " through Redisson: " + reason(error), error);
    }

    private static String reason(Throwable error) {
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    }
}
