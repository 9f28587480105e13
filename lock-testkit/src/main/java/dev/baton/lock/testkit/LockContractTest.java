package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeout;

import dev.baton.lock.DistributedLock;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockNames;
import dev.baton.lock.LossReason;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * The behaviour every lock backend must show, as one abstract JUnit 5 class. A backend's test
 * extends it, starts a server, and implements its hooks; it passes the contract unchanged.
 *
 * <p>The contract opens every client through {@link #newClient()} and closes it after the test;
 * it restores any connection a test left cut first. Subclass {@code @AfterEach} methods run before
 * that, so a subclass should stop its servers and proxies in {@code @AfterAll}. Each test uses
 * lock names of its own, so tests do not interfere. Every wait is scaled by {@link Timing}.
 *
 * <p>Test methods are {@code final}: a backend that cannot pass one should fail it, visibly.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class LockContractTest {

    private static final int FUZZ_THREADS_PER_CLIENT = 4;
    private static final int FUZZ_CYCLES_PER_THREAD = 50;
    private static final int PENDING_WAITERS = 1_000;
    /** The most threads a client may add for any number of pending async requests. */
    protected static final int MAX_EXTRA_THREADS_FOR_WAITERS = 8;
    private static final int HANDOFFS = 1_000;
    private static final int CANCEL_RACES = 20;
    private static final Set<Thread.State> PARKED =
            EnumSet.of(Thread.State.WAITING, Thread.State.TIMED_WAITING, Thread.State.BLOCKED);
    /** Every reason but CLIENT_CLOSED: what a lease cut off from its server may report. */
    protected static final Set<LossReason> CONNECTION_LOSS = EnumSet.complementOf(EnumSet.of(LossReason.CLIENT_CLOSED));

    private final ContractResources resources = new ContractResources();
    private final Set<LockClient> cutClients = ConcurrentHashMap.newKeySet();
    private final @Nullable ProxiedClients proxied;
    private String testName = "test";

    /** For a backend that implements {@link #cutConnection} and {@link #restoreConnection} itself. */
    protected LockContractTest() {
        this(null);
    }

    /**
     * For a backend whose clients reach their servers through {@code proxied} (its
     * {@link #newClient()} opens them with {@link ProxiedClients#open}): cutting and restoring a
     * client's connection is then done for it.
     */
    protected LockContractTest(@Nullable ProxiedClients proxied) {
        this.proxied = proxied;
    }

    /** A new client with its own connection/session to the same server(s). The contract closes it. */
    protected abstract LockClient newClient();

    /**
     * Makes {@code client} unable to reach the server (its connection is dropped and reconnects
     * fail) until {@link #restoreConnection}. By default through the {@link ProxiedClients} given
     * to the constructor.
     */
    protected void cutConnection(LockClient client) {
        proxies().cut(client);
    }

    /** Lets {@code client} reach the server again after {@link #cutConnection}. */
    protected void restoreConnection(LockClient client) {
        proxies().restore(client);
    }

    private ProxiedClients proxies() {
        if (proxied == null) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " must pass its ProxiedClients"
                    + " to the LockContractTest constructor, or override cutConnection and restoreConnection");
        }
        return proxied;
    }

    /**
     * The longest a cut can last before the server gives the client's locks away: the session
     * timeout (ZooKeeper) or lease time (Redis). The contract cuts for longer than this, plus slack.
     */
    protected abstract Duration lossHorizon();

    /**
     * Every raw storage entry (znode path, Redis key) that Baton wrote OUTSIDE its lock namespace;
     * must be empty.
     */
    protected abstract Collection<String> entriesOutsideNamespace();

    /** Remembers the test's name for {@link #lockName}. */
    @BeforeEach
    public final void rememberTestName(TestInfo info) {
        testName = info.getTestMethod().map(Method::getName).orElse("test");
    }

    /** Restores cut connections, then closes every client, executor and thread the test opened. */
    @AfterEach
    public final void closeContractResources() throws InterruptedException {
        RuntimeException restoreFailure = null;
        for (LockClient client : cutClients) {
            try {
                restoreConnection(client);
            } catch (RuntimeException e) {
                restoreFailure = e;
            }
        }
        cutClients.clear();
        resources.closeAll(Timing.scaled(Duration.ofSeconds(20)));
        if (restoreFailure != null) {
            throw restoreFailure;
        }
    }

    // ---------------------------------------------------------------- mutual exclusion

    /** Eight threads on two clients never hold the lock together, and no increment is lost. */
    @Test
    public final void mutualExclusionHoldsUnderContention() throws Exception {
        String name = lockName("fuzz");
        // Read and written separately, never atomically: two holders at once would lose updates.
        AtomicInteger counter = new AtomicInteger();
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger mostHolders = new AtomicInteger();
        ExecutorService pool = resources.executor(2 * FUZZ_THREADS_PER_CLIENT, "fuzz");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (LockClient client : List.of(openClient(), openClient())) {
            for (int t = 0; t < FUZZ_THREADS_PER_CLIENT; t++) {
                DistributedLock lock = client.lock(name);
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < FUZZ_CYCLES_PER_THREAD; i++) {
                        try (Lease lease = lock.acquire()) {
                            assertThat(lease.isValid()).isTrue();
                            mostHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                            int seen = counter.get();
                            Thread.yield();
                            counter.set(seen + 1);
                            holders.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
        }
        start.countDown();
        awaitAll(workers, Timing.scaled(Duration.ofSeconds(60)));
        assertThat(mostHolders.get()).as("most holders at once").isEqualTo(1);
        assertThat(counter.get()).as("increments under the lock")
                .isEqualTo(2 * FUZZ_THREADS_PER_CLIENT * FUZZ_CYCLES_PER_THREAD);
    }

    /** A waiter blocked in acquire() on another client gets the lock when, and not before, it is released. */
    @Test
    public final void waiterGetsTheLockWhenTheHolderReleases() throws Exception {
        String name = lockName("lock");
        LockClient waiterClient = openClient();
        Lease held = openClient().lock(name).acquire();
        Future<Lease> waiting = resources.executor(1, "waiter").submit(() -> waiterClient.lock(name).acquire());
        assertStaysTrue("the waiter has not got the lock while it is held", () -> !waiting.isDone());
        long heldToken = held.fencingToken();
        held.release();
        Lease granted = waiting.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(granted.isValid()).isTrue();
        assertThat(granted.fencingToken()).isGreaterThan(heldToken);
        granted.release();
    }

    // ---------------------------------------------------------------- tryAcquire

    /** tryAcquire(ZERO) on a lock held elsewhere answers empty at once, and leaves nothing behind. */
    @Test
    public final void tryAcquireWithZeroWaitReturnsEmptyAtOnceWhenHeld() throws Exception {
        String name = lockName("lock");
        Lease held = openClient().lock(name).acquire();
        DistributedLock contender = openClient().lock(name);
        long start = System.nanoTime();
        Optional<Lease> result = contender.tryAcquire(Duration.ZERO);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertThat(result).isEmpty();
        assertThat(elapsed).isLessThan(Timing.scaled(Duration.ofSeconds(1)));
        held.release();
        assertAcquirableSoon(openClient(), name);
    }

    /** tryAcquire(d) on a lock held elsewhere waits about d, then answers empty, and leaves nothing behind. */
    @Test
    public final void tryAcquireWithWaitGivesUpAfterTheWait() throws Exception {
        String name = lockName("lock");
        Duration wait = Duration.ofMillis(300);
        Lease held = openClient().lock(name).acquire();
        DistributedLock contender = openClient().lock(name);
        long start = System.nanoTime();
        Optional<Lease> result = contender.tryAcquire(wait);
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        assertThat(result).isEmpty();
        // One millisecond of slack for backends that count in whole milliseconds.
        assertThat(elapsed).isGreaterThanOrEqualTo(wait.minusMillis(1));
        assertThat(elapsed).isLessThan(wait.plus(Timing.scaled(Duration.ofSeconds(2))));
        held.release();
        assertAcquirableSoon(openClient(), name);
    }

    /** tryAcquire on a free lock returns a valid lease for that name. */
    @Test
    public final void tryAcquireOnAFreeLockReturnsALease() throws Exception {
        String name = lockName("lock");
        Optional<Lease> lease = openClient().lock(name).tryAcquire(Duration.ZERO);
        assertThat(lease).isPresent();
        assertThat(lease.get().isValid()).isTrue();
        assertThat(lease.get().lockName()).isEqualTo(name);
        lease.get().release();
        assertThat(lease.get().isValid()).isFalse();
    }

    /** lost() gives each caller a future of its own: completing or cancelling one changes nothing else. */
    @Test
    public final void lostGivesEachCallerItsOwnFuture() throws Exception {
        LockClient client = openClient();
        Lease lease = client.lock(lockName("lock")).acquire();
        CompletableFuture<LossReason> completed = lease.lost();
        CompletableFuture<LossReason> cancelled = lease.lost();
        CompletableFuture<LossReason> kept = lease.lost();
        completed.complete(LossReason.SESSION_EXPIRED);
        cancelled.cancel(false);
        assertThat(kept).isNotDone();
        assertThat(lease.lost()).isNotDone();
        assertThat(lease.isValid()).isTrue();
        lease.fencingToken(); // does not throw: still held

        client.close();
        assertThat(kept.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS)).isEqualTo(LossReason.CLIENT_CLOSED);
        assertThat(completed.join()).isEqualTo(LossReason.SESSION_EXPIRED);
    }

    /** A negative wait is an IllegalArgumentException, a null one a NullPointerException; neither takes the lock. */
    @Test
    public final void tryAcquireRejectsNegativeAndNullWaits() throws Exception {
        String name = lockName("lock");
        DistributedLock lock = openClient().lock(name);
        assertThatThrownBy(() -> lock.tryAcquire(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lock.tryAcquire(null)).isInstanceOf(NullPointerException.class);
        assertAcquirableSoon(openClient(), name);
    }

    // ---------------------------------------------------------------- withdrawal

    /** Interrupting a blocked acquire() throws InterruptedException, clears the flag, and withdraws the request. */
    @Test
    public final void interruptedAcquireThrowsAndWithdrawsTheRequest() throws Exception {
        String name = lockName("lock");
        LockClient waiterClient = openClient();
        Lease held = openClient().lock(name).acquire();
        AtomicReference<Object> outcome = new AtomicReference<>();
        AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
        Thread waiter = resources.thread("interrupted-waiter", () -> {
            try {
                outcome.set(waiterClient.lock(name).acquire());
            } catch (InterruptedException e) {
                interruptedAfter.set(Thread.currentThread().isInterrupted());
                outcome.set(e);
            } catch (RuntimeException | Error e) {
                outcome.set(e);
            }
        });
        waiter.start();
        Timing.await("the waiter parks in acquire()").until(() -> PARKED.contains(waiter.getState()));
        assertStaysTrue("the waiter has not got the lock while it is held", () -> outcome.get() == null);
        waiter.interrupt();
        Timing.await("acquire() returns after the interrupt").until(() -> outcome.get() != null);
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertThat(interruptedAfter.get()).as("interrupt flag after InterruptedException").isFalse();
        held.release();
        assertAcquirableSoon(openClient(), name);
        assertAcquirableSoon(waiterClient, name);
    }

    /** Cancelling a pending acquireAsync() withdraws the request, so it can never be granted later. */
    @Test
    public final void cancellingAPendingAcquireAsyncWithdrawsIt() throws Exception {
        String name = lockName("lock");
        LockClient waiterClient = openClient();
        Lease held = openClient().lock(name).acquire();
        CompletableFuture<Lease> pending = waiterClient.lock(name).acquireAsync();
        assertStaysTrue("the request is pending while the lock is held", () -> !pending.isDone());
        assertThat(pending.cancel(true)).isTrue();
        held.release();
        assertAcquirableSoon(openClient(), name);
        assertAcquirableSoon(waiterClient, name);
    }

    /** A cancel that races with the grant either wins, or loses and yields a lease; the lock is never left held. */
    @Test
    public final void cancelRacingWithAGrantNeverLeavesTheLockHeld() throws Exception {
        String name = lockName("lock");
        DistributedLock holderLock = openClient().lock(name);
        DistributedLock waiterLock = openClient().lock(name);
        LockClient probe = openClient();
        ExecutorService racers = resources.executor(2, "racer");
        for (int round = 0; round < CANCEL_RACES; round++) {
            Lease held = holderLock.tryAcquire(Timing.scaled(Duration.ofSeconds(5)))
                    .orElseThrow(() -> new AssertionError("the lock was left held by an earlier round"));
            CompletableFuture<Lease> pending = waiterLock.acquireAsync();
            Timing.await("the request is pending").during(Duration.ofMillis(20)).until(() -> !pending.isDone());
            // The pause is the thing under test: it moves the cancel across the window in which the grant travels.
            long skewNanos = (round % 5) * 250_000L;
            CountDownLatch go = new CountDownLatch(1);
            Future<?> release = racers.submit(() -> {
                go.await();
                held.release();
                return null;
            });
            Future<Boolean> cancel = racers.submit(() -> {
                go.await();
                LockSupport.parkNanos(skewNanos);
                return pending.cancel(true);
            });
            go.countDown();
            release.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
            if (!cancel.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS)) {
                pending.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS).release();
            }
            assertAcquirableSoon(probe, name);
        }
    }

    // ---------------------------------------------------------------- release

    /** A lease may be released by any thread, and the lock is free when release() returns. */
    @Test
    public final void releaseFromAnotherThreadFreesTheLockAtOnce() throws Exception {
        String name = lockName("lock");
        Lease lease = openClient().lock(name).acquire();
        resources.executor(1, "releaser").submit(lease::release)
                .get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(lease.isValid()).isFalse();
        Optional<Lease> next = openClient().lock(name).tryAcquire(Duration.ZERO);
        assertThat(next).as("the lock right after release() returned").isPresent();
        next.get().release();
    }

    /** Releasing or closing a released lease again does nothing, even once someone else holds the lock. */
    @Test
    public final void releaseIsIdempotentAndNeverFreesTheNextHoldersLock() throws Exception {
        String name = lockName("lock");
        Lease first = openClient().lock(name).acquire();
        first.release();
        first.release();
        first.close();
        Lease second = openClient().lock(name).tryAcquire(Duration.ZERO).orElseThrow();
        first.release();
        first.close();
        assertThat(openClient().lock(name).tryAcquire(Duration.ZERO)).as("the lock the second holder has").isEmpty();
        assertThat(second.isValid()).isTrue();
        second.release();
    }

    /** A released lease is invalid, has no token any more, and lost() never completes for it. */
    @Test
    public final void releasedLeaseIsInvalidAndNeverReportedLost() throws Exception {
        Lease lease = openClient().lock(lockName("lock")).acquire();
        CompletableFuture<LossReason> lost = lease.lost();
        assertThat(lease.isValid()).isTrue();
        assertThat(lost).isNotDone();
        lease.release();
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(lease::fencingToken).isInstanceOf(IllegalStateException.class);
        assertStaysTrue("lost() is not completed by a normal release",
                () -> !lost.isDone() && !lease.lost().isDone());
    }

    // ---------------------------------------------------------------- scale and tokens

    /**
     * A thousand pending acquireAsync() requests on two clients cost no thread each, and are all
     * served, one at a time, with strictly increasing tokens.
     */
    @Test
    public final void thousandPendingAsyncRequestsAreServedInTurnWithoutAThreadEach() throws Exception {
        String name = lockName("lock");
        List<DistributedLock> locks = List.of(openClient().lock(name), openClient().lock(name));
        ExecutorService releaser = resources.executor(1, "releaser");
        warmUp(locks, releaser);
        Lease held = locks.get(0).acquire();
        int threadsBefore = liveThreads();

        AtomicInteger holders = new AtomicInteger();
        AtomicInteger mostHolders = new AtomicInteger();
        List<Long> grantedTokens = new ArrayList<>(); // appended on the single releaser thread only
        List<CompletableFuture<Lease>> requests = new ArrayList<>();
        List<CompletableFuture<Void>> served = new ArrayList<>();
        for (int i = 0; i < PENDING_WAITERS; i++) {
            CompletableFuture<Lease> request = locks.get(i % 2).acquireAsync();
            requests.add(request);
            served.add(request.thenAcceptAsync(lease -> {
                mostHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                grantedTokens.add(lease.fencingToken());
                holders.decrementAndGet();
                lease.release(); // may block on the backend, hence this executor and not the callback thread
            }, releaser));
        }
        assertThat(mostThreadsWhilePending(requests) - threadsBefore)
                .as("threads added for %d pending requests", PENDING_WAITERS)
                .isLessThanOrEqualTo(MAX_EXTRA_THREADS_FOR_WAITERS);

        held.release();
        CompletableFuture.allOf(served.toArray(CompletableFuture[]::new))
                .get(Timing.scaled(Duration.ofSeconds(60)).toNanos(), TimeUnit.NANOSECONDS);
        List<Long> tokens = releaser.submit(() -> List.copyOf(grantedTokens)).get();
        assertThat(tokens).hasSize(PENDING_WAITERS);
        assertThat(tokens).as("tokens in grant order").isSorted().doesNotHaveDuplicates();
        assertThat(mostHolders.get()).isEqualTo(1);
        assertAcquirableSoon(openClient(), name);
    }

    /** Tokens strictly increase across a thousand handoffs that alternate between two clients. */
    @Test
    public final void fencingTokensStrictlyIncreaseAcrossHandoffsBetweenClients() throws Exception {
        String name = lockName("lock");
        List<DistributedLock> locks = List.of(openClient().lock(name), openClient().lock(name));
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < HANDOFFS; i++) {
            Lease lease = locks.get(i % 2).tryAcquire(Timing.scaled(Duration.ofSeconds(5)))
                    .orElseThrow(() -> new AssertionError("a released lock was not free"));
            long token = lease.fencingToken();
            assertThat(token).as("token of handoff %d", i).isGreaterThan(previous);
            previous = token;
            lease.release();
        }
    }

    // ---------------------------------------------------------------- connection loss

    /**
     * When a holder is cut off for longer than the loss horizon, it is told, another client gets
     * the lock with a higher token, the old holder's late write is fenced off, and the old client
     * works again once the connection returns.
     */
    @Test
    public final void lostLeaseIsReportedAndItsLateWriteIsFencedOff() throws Exception {
        String name = lockName("lock");
        Duration lossWait = lossHorizon().plus(Timing.scaled(Duration.ofSeconds(15)));
        LockClient oldClient = openClient();
        FencedResource resource = new FencedResource();
        Lease old = oldClient.lock(name).acquire();
        long oldToken = old.fencingToken();
        assertThat(resource.write(oldToken, "old holder")).isTrue();

        cut(oldClient);
        Lease next = takeOverWhileCut(old, openClient().lock(name), lossWait);
        long newToken = next.fencingToken();
        assertThat(newToken).isGreaterThan(oldToken);
        assertThat(resource.write(newToken, "new holder")).isTrue();
        assertThat(resource.write(oldToken, "old holder, late")).isFalse();
        assertThat(resource.write(newToken, "new holder, again")).isTrue();
        assertThat(resource.values()).containsExactly("old holder", "new holder", "new holder, again");
        assertTimeout(Timing.scaled(Duration.ofSeconds(5)), old::release, "release() while unreachable");

        restore(oldClient);
        awaitUsable(oldClient, lossWait);
        assertThat(openClient().lock(name).tryAcquire(Duration.ZERO))
                .as("the lock after the old client came back").isEmpty();
        assertThat(next.isValid()).isTrue();
        next.release();
        Lease again = oldClient.lock(name).tryAcquire(Timing.scaled(Duration.ofSeconds(10))).orElseThrow();
        assertThat(again.fencingToken()).isGreaterThan(newToken);
        assertThat(resource.write(again.fencingToken(), "old client, new lease")).isTrue();
        again.release();
    }

    /**
     * With the holder of {@code old} cut off, asks for the lock through {@code lock}, checks that the
     * old holder is told, and that its lease was already invalid when the lock changed hands.
     */
    private static Lease takeOverWhileCut(Lease old, DistributedLock lock, Duration lossWait) throws Exception {
        AtomicReference<Boolean> oldValidAtTakeover = new AtomicReference<>();
        CompletableFuture<Lease> takeover = lock.acquireAsync().thenApply(lease -> {
            oldValidAtTakeover.set(old.isValid());
            return lease;
        });
        Timing.await("the cut-off holder is told").atMost(lossWait).until(() -> old.lost().isDone());
        assertThat(old.lost().join()).isIn(CONNECTION_LOSS);
        assertThat(old.isValid()).isFalse();
        assertThatThrownBy(old::fencingToken).isInstanceOf(IllegalStateException.class);
        Lease next = takeover.get(lossWait.toNanos(), TimeUnit.NANOSECONDS);
        assertThat(oldValidAtTakeover.get()).as("old lease still valid when the lock was given away").isFalse();
        return next;
    }

    // ---------------------------------------------------------------- names

    /**
     * Names that look like paths, escapes, control characters or unicode are plain, distinct lock
     * names: all can be held at once (so no two share a lock), another client sees each held, and
     * nothing is written outside the namespace. These names are fixed, not per test: they are the
     * point.
     */
    @Test
    public final void hostileNamesStayInsideTheNamespace() throws Exception {
        List<String> names = List.of("..", ".", "/", "a/../../b", "../../zookeeper", "\u0000ctl\n", "%2F", "%",
                "a/b", "a%2Fb", "a%2fb", "{tag}", "*", " ", "\\", "ключ/🔒", "x".repeat(LockNames.MAX_LENGTH),
                "🔒".repeat(LockNames.MAX_LENGTH));
        LockClient holder = openClient();
        LockClient other = openClient();
        List<Lease> leases = new ArrayList<>();
        for (String name : names) {
            Lease lease = holder.lock(name).tryAcquire(Timing.scaled(Duration.ofSeconds(5)))
                    .orElseThrow(() -> new AssertionError("could not acquire " + printable(name)
                            + " while holding " + leases.size() + " other hostile names"));
            assertThat(lease.lockName()).isEqualTo(name);
            leases.add(lease);
        }
        assertThat(entriesOutsideNamespace()).isEmpty();
        for (String name : names) {
            assertThat(other.lock(name).tryAcquire(Duration.ZERO)).as("%s while held", printable(name)).isEmpty();
        }
        leases.forEach(Lease::release);
        for (String name : names) {
            other.lock(name).tryAcquire(Duration.ZERO)
                    .orElseThrow(() -> new AssertionError(printable(name) + " after release")).release();
        }
        assertThat(entriesOutsideNamespace()).isEmpty();
    }

    /** lock(name) rejects null, empty, too long and malformed UTF-16 names. */
    @Test
    public final void invalidNamesAreRejected() {
        LockClient client = openClient();
        assertThatThrownBy(() -> client.lock(null)).isInstanceOf(NullPointerException.class);
        for (String name : List.of("", "x".repeat(LockNames.MAX_LENGTH + 1), "a\uD800", "\uDC00b")) {
            assertThatThrownBy(() -> client.lock(name)).as(printable(name))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    /** The lease and the lock report the name they were obtained with. */
    @Test
    public final void leaseAndLockReportTheirName() throws Exception {
        String name = lockName("ключ/🔒");
        DistributedLock lock = openClient().lock(name);
        assertThat(lock.name()).isEqualTo(name);
        try (Lease lease = lock.acquire()) {
            assertThat(lease.lockName()).isEqualTo(name);
        }
    }

    // ---------------------------------------------------------------- closing

    /**
     * Closing a client loses its leases with CLIENT_CLOSED, fails its pending acquires with
     * LockException, refuses further use, and frees its locks for other clients at once.
     */
    @Test
    public final void closingAClientLosesItsLeasesAndFailsItsPendingAcquires() throws Exception {
        String heldName = lockName("held");
        String contendedName = lockName("contended");
        LockClient closing = openClient();
        Lease otherLease = openClient().lock(contendedName).acquire();
        Lease lease = closing.lock(heldName).acquire();
        DistributedLock contended = closing.lock(contendedName);
        CompletableFuture<Lease> pendingAsync = contended.acquireAsync();
        Future<Lease> pendingBlocking = resources.executor(1, "blocked").submit(contended::acquire);
        assertStaysTrue("both requests are pending", () -> !pendingAsync.isDone() && !pendingBlocking.isDone());

        closing.close();
        assertThat(lease.lost().get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS))
                .isEqualTo(LossReason.CLIENT_CLOSED);
        assertThat(lease.isValid()).isFalse();
        assertFailsWithLockException(pendingAsync);
        assertFailsWithLockException(pendingBlocking);
        assertThatThrownBy(() -> closing.lock("after close")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> contended.tryAcquire(Duration.ZERO)).isInstanceOf(LockException.class);
        closing.close();

        openClient().lock(heldName).tryAcquire(Duration.ZERO)
                .orElseThrow(() -> new AssertionError("the closed client's lock is still held")).release();
        assertThat(otherLease.isValid()).isTrue();
        assertThat(otherLease.lost()).isNotDone();
        otherLease.release();
    }

    // ---------------------------------------------------------------- helpers for backends

    /** Opens a client through {@link #newClient()}; the contract closes it after the test. */
    protected final LockClient openClient() {
        return resources.track(Objects.requireNonNull(newClient(), "newClient() returned null"));
    }

    /** A fixed pool of daemon threads, stopped after the test. */
    protected final ExecutorService executor(int size, String role) {
        return resources.executor(size, role);
    }

    /** A daemon thread, not started, interrupted and joined after the test. */
    protected final Thread thread(String role, Runnable body) {
        return resources.thread(role, body);
    }

    /** A lock name unique to this test run: the test's name, {@code role} and a random part. */
    protected final String lockName(String role) {
        return testName + "/" + role + "/" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    }

    // ---------------------------------------------------------------- private helpers

    /** Cuts {@code client} off (restored after the test if the test does not restore it). */
    protected final void cut(LockClient client) {
        cutClients.add(client);
        cutConnection(client);
    }

    /** Lets {@code client} reach the server again. */
    protected final void restore(LockClient client) {
        restoreConnection(client);
        cutClients.remove(client);
    }

    /** Lets each client, and the releaser, start any threads they start lazily, before threads are counted. */
    private static void warmUp(List<DistributedLock> locks, ExecutorService releaser) throws Exception {
        for (DistributedLock lock : locks) {
            lock.acquireAsync().get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS).release();
        }
        releaser.submit(() -> { }).get();
    }

    /** Checks that every request stays pending for a while, and returns the most live threads seen meanwhile. */
    protected static int mostThreadsWhilePending(List<? extends CompletableFuture<? extends Lease>> requests) {
        AtomicInteger mostThreads = new AtomicInteger();
        Timing.await("all requests stay pending while the lock is held").pollInSameThread()
                .during(Timing.scaled(Duration.ofMillis(500))).atMost(Timing.scaled(Duration.ofSeconds(5)))
                .until(() -> {
                    mostThreads.accumulateAndGet(liveThreads(), Math::max);
                    return requests.stream().noneMatch(CompletableFuture::isDone);
                });
        return mostThreads.get();
    }

    /** Waits until {@code client} can take and release a fresh lock, tolerating reconnect faults. */
    protected final void awaitUsable(LockClient client, Duration atMost) {
        String probe = lockName("probe");
        Timing.await("the client works again after the connection returned").atMost(atMost)
                .ignoreExceptionsInstanceOf(LockException.class)
                .until(() -> {
                    Optional<Lease> lease = client.lock(probe).tryAcquire(Timing.scaled(Duration.ofSeconds(1)));
                    lease.ifPresent(Lease::release);
                    return lease.isPresent();
                });
    }

    /** The lock must be free, or freed within a short wait: a ghost request would hold it for good. */
    private static void assertAcquirableSoon(LockClient client, String name) throws InterruptedException {
        Optional<Lease> lease = client.lock(name).tryAcquire(Timing.scaled(Duration.ofSeconds(2)));
        assertThat(lease).as("lock %s should be free", name).isPresent();
        lease.get().release();
    }

    /** Checks that {@code condition} holds now and keeps holding for a short scaled window. */
    protected static void assertStaysTrue(String description, Callable<Boolean> condition) {
        Duration window = Timing.scaled(Duration.ofMillis(300));
        Timing.await(description).during(window).atMost(window.plus(Timing.scaled(Duration.ofSeconds(2))))
                .until(condition);
    }

    private static void assertFailsWithLockException(Future<Lease> future) throws InterruptedException {
        try {
            Lease lease = future.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
            throw new AssertionError("expected a LockException, but the request was granted: " + lease);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(LockException.class);
        } catch (TimeoutException e) {
            throw new AssertionError("the request was still pending after its client closed", e);
        }
    }

    protected static void awaitAll(List<Future<?>> futures, Duration atMost) throws Exception {
        long deadline = System.nanoTime() + atMost.toNanos();
        for (Future<?> future : futures) {
            future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    /** The JVM's live threads now. */
    protected static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static String printable(String name) {
        StringBuilder out = new StringBuilder("\"");
        name.codePoints().limit(40).forEach(cp -> {
            if (Character.isISOControl(cp) || Character.getType(cp) == Character.SURROGATE) {
                out.append(String.format("\\u%04X", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append(name.codePointCount(0, name.length()) > 40 ? "...\"" : "\"").toString();
    }
}
