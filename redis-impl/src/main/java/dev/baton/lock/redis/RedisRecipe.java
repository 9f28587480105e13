package dev.baton.lock.redis;

import dev.baton.lock.redis.internal.Scripts;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One kind of Redis lock as its scripts see it: the keys of one name, and what acquiring,
 * renewing, releasing and giving up run. A {@link ScriptedAcquisition} does the waiting for every
 * kind; only this differs between the mutex, a reader, a writer, a permit and a candidate.
 */
interface RedisRecipe {

    /** The name leases report. */
    String name();

    /** Where releases of this name are announced. */
    String channel();

    /**
     * Runs one acquire attempt, blocking.
     *
     * @return {1, token} when granted, {0, ms until worth retrying} when not, {-1, detail} when refused
     */
    List<?> acquire(ScriptBackend backend, String leaseId);

    /** Why a refusal ({-1, detail}) was given, for the caller's exception. */
    default String refusal(Object detail) {
        return "refused: " + detail;
    }

    /** The renewal and release of a granted lease. */
    LeaseOps leaseOps(ScriptBackend backend, String leaseId);

    /**
     * Undoes what a request that ended without a lease may have left: a grant whose reply was
     * lost, or a waiting writer's intent. Runs on the upkeep thread; never throws.
     */
    void abandon(ScriptBackend backend, String leaseId);

    /** Whether {@link #abandon} must run for every request that ends without a lease, not only doubtful ones. */
    default boolean leavesIntent() {
        return false;
    }

    /** The plain lock ({@code <ns>:lock:{name}}), with the scripts the Jedis backend always ran. */
    static RedisRecipe mutex(LockKeys keys) {
        return new Mutex(keys);
    }

    /** The Jedis backend's mutex. */
    record Mutex(LockKeys keys) implements RedisRecipe {

        @Override
        public String name() {
            return keys.name();
        }

        @Override
        public String channel() {
            return keys.channel();
        }

        @Override
        public List<?> acquire(ScriptBackend backend, String leaseId) {
            return (List<?>) backend.eval(Scripts.ACQUIRE, List.of(keys.lock(), keys.fence()), List.of(leaseId,
                    Long.toString(backend.leaseMillis()), Long.toString(Scripts.FENCE_TTL.toMillis())));
        }

        @Override
        public LeaseOps leaseOps(ScriptBackend backend, String leaseId) {
            List<String> both = List.of(keys.lock(), keys.fence());
            return new ScriptLeaseOps(backend,
                    () -> Long.valueOf(1).equals(backend.eval(Scripts.RENEW, both, List.of(leaseId,
                            Long.toString(backend.leaseMillis()), Long.toString(Scripts.FENCE_TTL.toMillis())))),
                    () -> backend.eval(Scripts.RELEASE, List.of(keys.lock()), List.of(leaseId, keys.channel())));
        }

        @Override
        public void abandon(ScriptBackend backend, String leaseId) {
            leaseOps(backend, leaseId).release(false);
        }
    }

    /**
     * A recipe whose scripts all take the same KEYS and ARGV ({@link Scripts}' recipe convention:
     * lease id, lease ms, fence TTL ms, channel, argument).
     *
     * @param abandonScript run when a request gives up; null to run {@code release} instead
     * @param intent whether every request that gives up must run {@code abandonScript}
     * @param refusalText describes a refusal, given its detail
     */
    record Scripted(String name, String channel, List<String> keys, Scripts.Script acquireScript,
            Scripts.Script renewScript, Scripts.Script releaseScript, Scripts.@Nullable Script abandonScript,
            String argument, boolean intent, java.util.function.Function<Object, String> refusalText)
            implements RedisRecipe {

        public Scripted {
            Objects.requireNonNull(name, "name");
            keys = List.copyOf(keys);
        }

        List<String> args(ScriptBackend backend, String leaseId) {
            return List.of(leaseId, Long.toString(backend.leaseMillis()), Long.toString(Scripts.FENCE_TTL.toMillis()),
                    channel, argument);
        }

        @Override
        public List<?> acquire(ScriptBackend backend, String leaseId) {
            return (List<?>) backend.eval(acquireScript, keys, args(backend, leaseId));
        }

        @Override
        public String refusal(Object detail) {
            return refusalText.apply(detail);
        }

        @Override
        public LeaseOps leaseOps(ScriptBackend backend, String leaseId) {
            List<String> args = args(backend, leaseId);
            return new ScriptLeaseOps(backend,
                    () -> Long.valueOf(1).equals(((List<?>) backend.eval(renewScript, keys, args)).get(0)),
                    () -> backend.eval(releaseScript, keys, args));
        }

        @Override
        public void abandon(ScriptBackend backend, String leaseId) {
            Scripts.Script script = abandonScript == null ? releaseScript : abandonScript;
            List<String> args = args(backend, leaseId);
            try {
                backend.upkeep(() -> backend.eval(script, keys, args));
            } catch (RuntimeException e) {
                // the client is closing: the lease time (or the intent's life) clears it
            }
        }

        @Override
        public boolean leavesIntent() {
            return intent;
        }
    }
}
