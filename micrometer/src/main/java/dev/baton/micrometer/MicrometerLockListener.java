package dev.baton.micrometer;

import dev.baton.lock.LockListener;
import dev.baton.lock.LossReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records a {@link dev.baton.lock.LockClient}'s activity in Micrometer meters. Give it to
 * {@link dev.baton.lock.LockClients#open(java.util.Map, LockListener)}:
 *
 * <pre>{@code
 * LockClient locks = LockClients.open(config, new MicrometerLockListener(meterRegistry));
 * }</pre>
 *
 * <table>
 * <caption>Meters; every one is tagged {@code backend}, and {@code lock} if {@link LockNameTag} says so</caption>
 * <tr><th>name</th><th>type</th><th>tags</th><th>meaning</th></tr>
 * <tr><td>{@value #ACQUIRE}</td><td>timer</td><td>{@code outcome}: acquired, timed-out, cancelled, failed</td>
 *     <td>requests for a lock, by how they ended, and how long they waited</td></tr>
 * <tr><td>{@value #HELD}</td><td>timer</td><td>{@code end}: released, lost</td>
 *     <td>leases, by how they ended, and how long they were held</td></tr>
 * <tr><td>{@value #LOST}</td><td>counter</td><td>{@code reason}: a {@link LossReason} name</td>
 *     <td>leases lost</td></tr>
 * <tr><td>{@value #WAITING}</td><td>gauge</td><td></td><td>requests waiting for a lock now</td></tr>
 * <tr><td>{@value #ACTIVE}</td><td>gauge</td><td></td><td>leases held now</td></tr>
 * <tr><td>{@value #RENEWALS}</td><td>counter</td><td>{@code result}: renewed, failed, taken-over</td>
 *     <td>lease renewals (Redis backends)</td></tr>
 * <tr><td>{@value #CONNECTION_STATES}</td><td>counter</td><td>{@code state}: CONNECTED, SUSPENDED,
 *     RECONNECTED, LOST, READ_ONLY</td><td>connection state changes (ZooKeeper)</td></tr>
 * </table>
 *
 * <p>Thread-safe; each event costs a map look-up or two and no allocation of meters after the
 * first event of its kind.
 */
public final class MicrometerLockListener implements LockListener {

    /** Timer of lock requests. */
    public static final String ACQUIRE = "baton.lock.acquire";
    /** Timer of leases, from grant to release or loss. */
    public static final String HELD = "baton.lock.held";
    /** Counter of lost leases. */
    public static final String LOST = "baton.lock.lost";
    /** Gauge of waiting requests. */
    public static final String WAITING = "baton.lock.waiting";
    /** Gauge of held leases. */
    public static final String ACTIVE = "baton.lock.active";
    /** Counter of lease renewals. */
    public static final String RENEWALS = "baton.lock.renewals";
    /** Counter of connection state changes. */
    public static final String CONNECTION_STATES = "baton.lock.connection.states";

    private final MeterRegistry registry;
    private final LockNameTag lockNameTag;
    private final Map<MeterKey, Timer> timers = new ConcurrentHashMap<>();
    private final Map<MeterKey, Counter> counters = new ConcurrentHashMap<>();
    private final Map<MeterKey, AtomicLong> gauges;

    /**
     * The gauges' values, per registry: a registry hands a second registration of a gauge the
     * first one's meter, so two listeners on one registry must count in the same place.
     */
    private static final Map<MeterRegistry, Map<MeterKey, AtomicLong>> GAUGES =
            Collections.synchronizedMap(new WeakHashMap<>());

    /** Meters tagged by backend only. */
    public MicrometerLockListener(MeterRegistry registry) {
        this(registry, LockNameTag.NONE);
    }

    /**
     * Meters tagged by backend and, as {@code lockNameTag} says, by lock name.
     *
     * @throws NullPointerException if an argument is null
     */
    public MicrometerLockListener(MeterRegistry registry, LockNameTag lockNameTag) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.lockNameTag = Objects.requireNonNull(lockNameTag, "lockNameTag");
        this.gauges = GAUGES.computeIfAbsent(registry, r -> new ConcurrentHashMap<>());
    }

    @Override
    public void acquireStarted(String backend, String lockName) {
        gauge(WAITING, backend, lockName).incrementAndGet();
    }

    @Override
    public void acquired(String backend, String lockName, Duration waited) {
        gauge(WAITING, backend, lockName).decrementAndGet();
        gauge(ACTIVE, backend, lockName).incrementAndGet();
        timer(ACQUIRE, backend, lockName, "outcome", "acquired").record(waited);
    }

    @Override
    public void acquireFailed(String backend, String lockName, Duration waited, AcquireFailure failure) {
        gauge(WAITING, backend, lockName).decrementAndGet();
        timer(ACQUIRE, backend, lockName, "outcome", word(failure.name())).record(waited);
    }

    @Override
    public void released(String backend, String lockName, Duration held) {
        gauge(ACTIVE, backend, lockName).decrementAndGet();
        timer(HELD, backend, lockName, "end", "released").record(held);
    }

    @Override
    public void lost(String backend, String lockName, LossReason reason, Duration held) {
        gauge(ACTIVE, backend, lockName).decrementAndGet();
        timer(HELD, backend, lockName, "end", "lost").record(held);
        counter(LOST, backend, lockName, "reason", reason.name()).increment();
    }

    @Override
    public void renewed(String backend, String lockName) {
        counter(RENEWALS, backend, lockName, "result", "renewed").increment();
    }

    @Override
    public void renewalFailed(String backend, String lockName, LossReason reason) {
        counter(RENEWALS, backend, lockName, "result", reason == LossReason.TAKEN_OVER ? "taken-over" : "failed")
                .increment();
    }

    @Override
    public void connectionStateChanged(String backend, String state) {
        counter(CONNECTION_STATES, backend, null, "state", state).increment();
    }

    private Timer timer(String name, String backend, String lockName, String tag, String value) {
        MeterKey key = new MeterKey(name, backend, lockTag(lockName), tag, value);
        return timers.computeIfAbsent(key, k -> Timer.builder(name).tags(k.tags()).register(registry));
    }

    private Counter counter(String name, String backend, String lockName, String tag, String value) {
        MeterKey key = new MeterKey(name, backend, lockName == null ? null : lockTag(lockName), tag, value);
        return counters.computeIfAbsent(key, k -> Counter.builder(name).tags(k.tags()).register(registry));
    }

    private AtomicLong gauge(String name, String backend, String lockName) {
        MeterKey key = new MeterKey(name, backend, lockTag(lockName), null, null);
        return gauges.computeIfAbsent(key, k -> {
            AtomicLong value = new AtomicLong();
            Gauge.builder(name, value, AtomicLong::get).tags(k.tags()).strongReference(true).register(registry);
            return value;
        });
    }

    private String lockTag(String lockName) {
        return lockNameTag.tagValue(lockName);
    }

    private static String word(String enumName) {
        return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return "MicrometerLockListener[" + registry.getClass().getSimpleName() + ", lock tag " + lockNameTag + "]";
    }

    private record MeterKey(String name, String backend, String lock, String tag, String value) {

        Tags tags() {
            Tags tags = Tags.of("backend", backend);
            if (lock != null) {
                tags = tags.and("lock", lock);
            }
            return tag == null ? tags : tags.and(tag, value);
        }
    }
}
