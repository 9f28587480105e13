package dev.baton.lock.redis;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInfo;
import dev.baton.lock.LockInspection;
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
public final class RedissonLockClient implements LockClient, LockInspection {

    private final RedissonClient redisson;
    private final boolean ownsRedisson;
    private final ClientRuntime runtime;
    private final RedissonBackend backend;

    private RedissonLockClient(RedissonClient redisson, boolean ownsRedisson, RedisLockOptions options,
            Duration releaseWait) {
        this.redisson = redisson;
        this.ownsRedisson = ownsRedisson;
        this.runtime = new ClientRuntime("redisson", options, releaseWait);
        this.backend = new RedissonBackend(redisson, runtime, releaseWait.toNanos() * 2);
        runtime.start(new ClientRuntime.Parts() {
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

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public DistributedLock lock(String name) {
        runtime.checkOpen();
        return new RedissonAdapterLock(backend, LockKeys.of(runtime.options().namespace(), name));
    }

    /** Returns {@code redisson}. */
    @Override
    public String backend() {
        return "redisson";
    }

    /**
     * {@inheritDoc}
     *
     * <p>Scans Redisson's lock keys in this namespace (on every master of a cluster): for
     * operators, not for hot paths. The holder is Redisson's owner field
     * ({@code <Redisson client id>:<owner id>}); {@code since} is empty and {@code waiters} -1.
     *
     * @throws IllegalStateException if this client is closed
     */
    @Override
    public List<LockInfo> heldLocks(String namePrefix) {
        Objects.requireNonNull(namePrefix, "namePrefix");
        runtime.checkOpen();
        try {
            return backend.heldLocks(namePrefix);
        } catch (RuntimeException e) {
            throw RedissonBackend.lockException("list the held locks", e);
        }
    }

    /**
     * The key namespace and lease time of this client.
     *
     * @return the options
     */
    public RedisLockOptions options() {
        return runtime.options();
    }

    /**
     * Fails pending requests, releases held leases (their {@code lost()} completes with
     * {@link dev.baton.lock.LossReason#CLIENT_CLOSED}), waits briefly for the releases, then stops
     * the client's threads and, if this client built it, the Redisson client. Idempotent; never throws.
     */
    @Override
    public void close() {
        runtime.stop();
    }

    /** Test hook: stalls (or resumes) the watchdog's renewals, as a paused process would. */
    void pauseRenewals(boolean paused) {
        runtime.pauseRenewals(paused);
    }

    @Override
    public String toString() {
        return "RedissonLockClient[" + runtime.options() + "]";
    }
}
