package dev.baton.lock.redis;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * The Redisson adapter ({@code baton.backend=redisson}): Baton's lock API on Redisson's
 * {@code RLock}, for applications that already run a {@link RedissonClient}.
 *
 * <p>Each request takes Redisson's lock with an owner id of its own and an explicit lease time, so
 * the lease belongs to the {@link dev.baton.lock.Lease} object and any thread may release it.
 * Redisson's lock has no fencing token, and its {@code RFencedLock} takes tokens from a plain
 * counter that starts again from zero when Redis loses its data; so once Redisson grants the lock,
 * one script of Baton's checks that this owner still holds it and takes the token
 * {@code max(last + 1, server TIME in microseconds)} in the same slot, as the Jedis backend does.
 * Baton's own watchdog (not Redisson's) renews the lease and completes
 * {@link dev.baton.lock.Lease#lost()}.
 *
 * <p>Keys: {@code <namespace>:rlock:{<name>}} (Redisson's lock hash) and {@code <namespace>:fence:{<name>}}.
 * Redisson itself adds short-lived keys of its own when it unlocks ({@code redisson_unlock_latch:...}).
 *
 * <p>Thread-safe.
 */
public final class RedissonLockClient extends RedisClientBase {

    private final RedissonClient redisson;
    private final boolean ownsRedisson;
    private final RedissonBackend backend;
    private final RedissonScripts scripts;

    private RedissonLockClient(RedissonClient redisson, boolean ownsRedisson, RedisLockOptions options,
            Duration releaseWait) {
        super(new ClientRuntime("redisson", options, releaseWait));
        this.redisson = redisson;
        this.ownsRedisson = ownsRedisson;
        this.backend = new RedissonBackend(redisson, runtime, releaseWait.toNanos() * 2);
        this.scripts = new RedissonScripts(redisson, backend);
        runtime.start(new ClientRuntime.Parts() {
            @Override
            public void stop() {
                scripts.shutdown();
            }

            @Override
            public void closeConnection() {
                if (ownsRedisson) {
                    redisson.shutdown(0, releaseWait.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
        });
    }

    /**
     * Builds a lock client on the application's Redisson client, in namespace {@code baton}.
     * Closing the lock client does not shut {@code redisson} down.
     *
     * @param redisson the application's client; its timeouts and retries apply to lock commands
     * @param leaseTime how long a lease outlives its holder's last renewal; at least 50 ms
     * @return a client whose {@link #backend()} is {@code redisson}
     * @throws NullPointerException if an argument is null
     * @throws IllegalArgumentException if {@code leaseTime} is shorter than 50 ms
     */
    public static RedissonLockClient wrap(RedissonClient redisson, Duration leaseTime) {
        return wrap(redisson, RedisLockOptions.withLeaseTime(leaseTime));
    }

    /**
     * Builds a lock client on the application's Redisson client. Closing the lock client does not
     * shut {@code redisson} down. Nothing is sent to Redis here.
     *
     * @param redisson the application's client; its timeouts and retries apply to lock commands
     * @param options key namespace and lease time
     * @return a client whose {@link #backend()} is {@code redisson}
     * @throws NullPointerException if an argument is null
     */
    public static RedissonLockClient wrap(RedissonClient redisson, RedisLockOptions options) {
        Objects.requireNonNull(redisson, "redisson");
        Objects.requireNonNull(options, "options");
        return new RedissonLockClient(redisson, false, options, Duration.ofSeconds(3));
    }

    /**
     * Builds a Redisson client from the {@code baton.redis.*} settings; Redisson connects here.
     *
     * @throws LockException if Redis cannot be reached or refuses the credentials
     */
    static RedissonLockClient open(RedisSettings settings) {
        return open(settings, config -> { });
    }

    /** As {@link #open(RedisSettings)}, letting {@code customizer} adjust Redisson's config first (tests). */
    static RedissonLockClient open(RedisSettings settings, Consumer<Config> customizer) {
        Config config = RedissonConfigs.from(settings);
        customizer.accept(config);
        RedissonClient redisson = create(config, settings);
        return new RedissonLockClient(redisson, true, settings.options(), settings.timeout());
    }

    /**
     * Redisson connects in {@code create}, and retries for a while when the server answers oddly
     * (plain text to a TLS port, say); this bounds the wait to the connect timeout plus the command
     * timeout, and shuts down a client that arrives too late.
     */
    private static RedissonClient create(Config config, RedisSettings settings) {
        CompletableFuture<RedissonClient> creating = CompletableFuture.supplyAsync(() -> Redisson.create(config),
                task -> ClientRuntime.daemon("baton-redisson-open").newThread(task).start());
        long bound = settings.connectTimeout().plus(settings.timeout()).toMillis();
        String what = "open a lock client on " + settings.describe();
        try {
            return creating.get(bound, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            creating.thenAccept(late -> late.shutdown(0, 1, TimeUnit.SECONDS));
            throw new LockException("cannot " + what + ": Redisson did not connect within " + bound + " ms ("
                    + RedisConfigKeys.CONNECT_TIMEOUT.name() + " + " + RedisConfigKeys.TIMEOUT.name() + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            creating.thenAccept(late -> late.shutdown(0, 1, TimeUnit.SECONDS));
            throw new LockException("interrupted while trying to " + what, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException) {
                throw (IllegalArgumentException) e.getCause();
            }
            throw RedissonBackend.lockException(what, e.getCause());
        }
    }

    @Override
    DistributedLock newLock(LockKeys keys) {
        return new RedissonAdapterLock(backend, keys);
    }

    @Override
    ScriptBackend scripts() {
        return scripts;
    }

    @Override
    List<LockInfo> scanHeldLocks(String namePrefix) {
        return backend.heldLocks(namePrefix);
    }

    @Override
    java.util.Set<String> scanKeys(String pattern) {
        java.util.Set<String> found = new java.util.TreeSet<>();
        redisson.getKeys().getKeys(org.redisson.api.options.KeysScanOptions.defaults().pattern(pattern).chunkSize(500))
                .forEach(found::add);
        return found;
    }

    @Override
    LockException scanFailed(RuntimeException error) {
        return RedissonBackend.lockException("list the held locks", error);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Asks whether a key of this namespace exists (one {@code EXISTS}, routed like any key).
     */
    @Override
    public Duration ping() {
        runtime.checkOpen();
        long started = System.nanoTime();
        try {
            redisson.getBucket(runtime.options().namespace() + ":ping").isExists();
        } catch (RuntimeException e) {
            throw RedissonBackend.lockException("ping Redis", e);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** Returns {@code redisson}. */
    @Override
    public String backend() {
        return "redisson";
    }

    @Override
    public String toString() {
        return "RedissonLockClient[" + runtime.options() + "]";
    }
}
