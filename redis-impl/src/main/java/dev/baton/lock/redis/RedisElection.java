package dev.baton.lock.redis;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.LeaderElection;
import dev.baton.lock.LeaderInfo;
import dev.baton.lock.LockNames;
import dev.baton.lock.redis.internal.Scripts;
import dev.baton.lock.spi.AbstractLeaderElection;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A leader election on Redis: candidates contend for one hash ({@code <ns>:elect:{name}}: id,
 * payload, term, since) with the lease TTL, renewed by the lease's watchdog; the term is the
 * fencing token taken in the same script. Winning and resigning are published on the election's
 * channel, which wakes waiting candidates and observers.
 */
final class RedisElection extends AbstractLeaderElection {

    private final ScriptBackend backend;
    private final DistributedLock candidate;
    private final List<String> keys;
    private final String channel;

    RedisElection(ScriptBackend backend, String name, String payload) {
        super(LockNames.check(name), payload);
        this.backend = backend;
        String ns = backend.runtime().options().namespace();
        this.keys = RecipeKeys.election(ns, name);
        this.channel = RecipeKeys.channel(ns, RecipeKeys.ELECTION, name);
        RedisRecipe recipe = new RedisRecipe.Scripted(name, channel, keys, Scripts.ELECT_ACQUIRE, Scripts.ELECT_RENEW,
                Scripts.ELECT_RELEASE, null, payload, false, String::valueOf);
        this.candidate = new ScriptedLock(backend, recipe, "elect:" + name, true);
    }

    @Override
    protected DistributedLock candidate() {
        return candidate;
    }

    @Override
    public LeaderElection withPayload(String payload) {
        return new RedisElection(backend, name(), LeaderElection.checkPayload(payload));
    }

    @Override
    public Optional<LeaderInfo> leader() {
        try {
            return Optional.ofNullable(inspect()).map(Leader::info);
        } catch (RuntimeException e) {
            throw backend.lockException("read the leader of election '" + name() + "'", e);
        }
    }

    /** The leader now, with its key's remaining time; null if nobody leads. Blocking, one round trip. */
    @Nullable Leader inspect() {
        Object reply = backend.eval(Scripts.ELECT_INSPECT, List.of(keys.get(0)), List.of());
        if (!(reply instanceof List<?> fields) || fields.size() < 4) {
            return null;
        }
        LeaderInfo info = new LeaderInfo(name(), String.valueOf(fields.get(0)), Long.parseLong(String.valueOf(fields.get(1))),
                Optional.of(Instant.ofEpochMilli(Long.parseLong(String.valueOf(fields.get(2))))));
        return new Leader(info, ((Number) fields.get(3)).longValue());
    }

    /** A leader and how long its key has left (ms). */
    record Leader(LeaderInfo info, long pttl) {
    }

    @Override
    public Observation observe(Consumer<Optional<LeaderInfo>> listener) {
        Objects.requireNonNull(listener, "listener");
        backend.runtime().checkOpen();
        return new RedisElectionObserver(backend, this, channel, listener).start();
    }
}
