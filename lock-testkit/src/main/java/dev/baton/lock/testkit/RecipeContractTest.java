package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.CoordinationInfo;
import dev.baton.lock.DistributedLock;
import dev.baton.lock.DistributedSemaphore;
import dev.baton.lock.LeaderElection;
import dev.baton.lock.LeaderInfo;
import dev.baton.lock.Leadership;
import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.LockInspection;
import dev.baton.lock.LossReason;
import dev.baton.lock.MultiLock;
import dev.baton.lock.ReadWriteLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The lock contract plus the coordination recipes: leader election, the read-write lock, the
 * semaphore and {@code lockAll}. A backend's contract test extends this class instead of
 * {@link LockContractTest}, with the same hooks, and passes it unchanged.
 *
 * <p>What every backend must show, per recipe: exclusivity (never two leaders, never a writer
 * beside anyone, never more than N permits), no writer starvation, terms and tokens that only
 * grow, loss reported when a holder is cut off past the loss horizon, cancelled requests that
 * leave nothing behind, release from another thread, and bad input refused before anything is
 * written.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
public abstract class RecipeContractTest extends LockContractTest {

    private static final int FUZZ_THREADS_PER_CLIENT = 3;
    private static final int FUZZ_CYCLES_PER_THREAD = 20;
    private static final int PERMITS = 3;
    private static final int PENDING_RECIPE_REQUESTS = 100;

    /** For a backend that implements the cut and restore hooks itself. */
    protected RecipeContractTest() {
        super();
    }

    /** For a backend whose clients reach their servers through {@code proxied}. */
    protected RecipeContractTest(ProxiedClients proxied) {
        super(proxied);
    }

    // ================================================================ election

    /** Candidates on three clients take turns; never two leaders at once, and every term is greater than the last. */
    @Test
    public final void electionHasOneLeaderAtATimeAndTermsGrow() throws Exception {
        String name = lockName("election");
        AtomicInteger leaders = new AtomicInteger();
        AtomicInteger mostLeaders = new AtomicInteger();
        AtomicLong lastTerm = new AtomicLong(Long.MIN_VALUE);
        AtomicInteger termsOutOfOrder = new AtomicInteger();
        ExecutorService pool = executor(6, "candidate");
        List<Future<?>> candidates = new ArrayList<>();
        for (LockClient client : List.of(openClient(), openClient(), openClient())) {
            for (int t = 0; t < 2; t++) {
                LeaderElection election = client.election(name).withPayload("candidate-" + t);
                candidates.add(pool.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        try (Leadership leader = election.campaign()) {
                            mostLeaders.accumulateAndGet(leaders.incrementAndGet(), Math::max);
                            long term = leader.term();
                            if (lastTerm.getAndSet(term) >= term) {
                                termsOutOfOrder.incrementAndGet();
                            }
                            assertThat(leader.fencingToken()).isEqualTo(term);
                            Thread.yield();
                            leaders.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
        }
        awaitAll(candidates, Timing.scaled(Duration.ofSeconds(60)));
        assertThat(mostLeaders.get()).as("most leaders at once").isEqualTo(1);
        assertThat(termsOutOfOrder.get()).as("terms not greater than the previous leader's").isZero();
    }

    /** A leadership resigned from another thread passes to the waiting candidate at once, with a greater term. */
    @Test
    public final void resigningHandsLeadershipToTheNextCandidate() throws Exception {
        String name = lockName("election");
        Leadership first = openClient().election(name).campaign();
        CompletableFuture<Leadership> second = openClient().election(name).campaignAsync();
        assertStaysTrue("the second candidate waits while the first leads", () -> !second.isDone());
        executor(1, "resigner").submit(first::resign).get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        first.resign();
        assertThat(first.isValid()).isFalse();
        Leadership next = second.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(next.isValid()).isTrue();
        assertThat(next.term()).isGreaterThan(first.term());
        assertThat(first.lost()).as("resigning is not a loss").isNotDone();
        next.close();
    }

    /** leader() shows the leader's payload and term to a client that is not campaigning, and empty once nobody leads. */
    @Test
    public final void leaderShowsPayloadTermAndSince() throws Exception {
        String name = lockName("election");
        LeaderElection observer = openClient().election(name);
        assertThat(observer.leader()).isEmpty();
        Leadership leader = openClient().election(name).withPayload("10.0.0.7:8080 ✓").campaign();
        assertThat(leader.payload()).isEqualTo("10.0.0.7:8080 ✓");
        Optional<LeaderInfo> info = observer.leader();
        assertThat(info).isPresent();
        assertThat(info.get().payload()).isEqualTo("10.0.0.7:8080 ✓");
        assertThat(info.get().term()).isEqualTo(leader.term());
        assertThat(info.get().election()).isEqualTo(name);
        assertThat(info.get().since()).as("since when it leads").isPresent();
        leader.resign();
        Timing.await("nobody leads after the resignation").until(() -> observer.leader().isEmpty());
    }

    /** An observer is told of each new leader and of the vacancy, in order. */
    @Test
    public final void observerIsToldOfEveryChangeOfLeaderInOrder() throws Exception {
        String name = lockName("election");
        BlockingQueue<Optional<LeaderInfo>> seen = new LinkedBlockingQueue<>();
        LeaderElection.Observation observation = openClient().election(name).observe(seen::add);
        assertThat(poll(seen)).as("first report: nobody leads").isEmpty();
        LockClient candidates = openClient();
        Leadership a = candidates.election(name).withPayload("a").campaign();
        assertThat(awaitReport(seen, Optional.of(a.term()))).map(LeaderInfo::payload).contains("a");
        CompletableFuture<Leadership> pendingB = openClient().election(name).withPayload("b").campaignAsync();
        a.resign();
        Leadership b = pendingB.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(awaitReport(seen, Optional.of(b.term()))).map(LeaderInfo::payload).contains("b");
        b.resign();
        assertThat(awaitReport(seen, Optional.empty())).isEmpty();
        observation.close();
        openClient().election(name).campaign().resign();
        assertStaysTrue("a closed observation is not called", seen::isEmpty);
    }

    /** tryCampaign(ZERO) while someone leads answers empty at once; a cancelled campaignAsync leaves nothing behind. */
    @Test
    public final void campaignsThatGiveUpLeaveNothingBehind() throws Exception {
        String name = lockName("election");
        Leadership leader = openClient().election(name).campaign();
        LeaderElection other = openClient().election(name);
        assertThat(other.tryCampaign(Duration.ZERO)).isEmpty();
        assertThat(other.tryCampaign(Duration.ofMillis(100))).isEmpty();
        CompletableFuture<Leadership> pending = other.campaignAsync();
        assertStaysTrue("the campaign waits", () -> !pending.isDone());
        assertThat(pending.cancel(true)).isTrue();
        leader.resign();
        Leadership next = openClient().election(name).tryCampaign(Timing.scaled(Duration.ofSeconds(2)))
                .orElseThrow(() -> new AssertionError("a withdrawn candidate still stands"));
        assertThat(next.term()).isGreaterThan(leader.term());
        next.resign();
    }

    /** A leader cut off past the loss horizon is told, and another candidate leads only once the old leadership is invalid. */
    @Test
    public final void cutOffLeaderIsToldAndSucceededWithAGreaterTerm() throws Exception {
        String name = lockName("election");
        Duration lossWait = lossHorizon().plus(Timing.scaled(Duration.ofSeconds(15)));
        LockClient oldClient = openClient();
        Leadership old = oldClient.election(name).campaign();
        AtomicInteger oldValidAtTakeover = new AtomicInteger(-1);
        cut(oldClient);
        CompletableFuture<Leadership> next = openClient().election(name).campaignAsync().thenApply(l -> {
            oldValidAtTakeover.set(old.isValid() ? 1 : 0);
            return l;
        });
        Timing.await("the cut-off leader is told").atMost(lossWait).until(() -> old.lost().isDone());
        assertThat(old.lost().join()).isIn(CONNECTION_LOSS);
        Leadership successor = next.get(lossWait.toNanos(), TimeUnit.NANOSECONDS);
        assertThat(oldValidAtTakeover.get()).as("old leadership valid when the next one began").isZero();
        assertThat(successor.term()).isGreaterThan(old.term());
        restore(oldClient);
        successor.resign();
    }

    /** Bad election input is refused before anything is written. */
    @Test
    public final void badElectionInputIsRefused() {
        LockClient client = openClient();
        assertThatThrownBy(() -> client.election(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> client.election("")).isInstanceOf(IllegalArgumentException.class);
        LeaderElection election = client.election(lockName("election"));
        assertThatThrownBy(() -> election.withPayload(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> election.withPayload("x".repeat(LeaderElection.MAX_PAYLOAD_BYTES + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bytes");
        assertThatThrownBy(() -> election.withPayload("a\uD800")).isInstanceOf(IllegalArgumentException.class);
        assertThat(election.withPayload("é".repeat(LeaderElection.MAX_PAYLOAD_BYTES / 2)).payload()).hasSize(512);
        assertThatThrownBy(() -> election.tryCampaign(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(election.leader()).isEmpty();
    }

    // ================================================================ read-write lock

    /** Readers on two clients hold together; a writer excludes readers and writers, and no update is lost. */
    @Test
    public final void readersShareAndWritersExcludeEveryone() throws Exception {
        String name = lockName("rw");
        AtomicInteger readers = new AtomicInteger();
        AtomicInteger writers = new AtomicInteger();
        AtomicInteger mostReaders = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        AtomicInteger counter = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        ExecutorService pool = executor(2 * FUZZ_THREADS_PER_CLIENT, "rw");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (LockClient client : List.of(openClient(), openClient())) {
            ReadWriteLock rw = client.readWriteLock(name);
            for (int t = 0; t < FUZZ_THREADS_PER_CLIENT; t++) {
                boolean writer = t == 0;
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < FUZZ_CYCLES_PER_THREAD; i++) {
                        if (writer) {
                            try (Lease lease = rw.writeLock().acquire()) {
                                if (!lease.isValid() || writers.incrementAndGet() != 1 || readers.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                int seen = counter.get();
                                Thread.yield();
                                counter.set(seen + 1);
                                writes.incrementAndGet();
                                writers.decrementAndGet();
                            }
                        } else {
                            try (Lease lease = rw.readLock().acquire()) {
                                mostReaders.accumulateAndGet(readers.incrementAndGet(), Math::max);
                                if (!lease.isValid() || writers.get() != 0) {
                                    violations.incrementAndGet();
                                }
                                Thread.yield();
                                readers.decrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
        }
        start.countDown();
        awaitAll(workers, Timing.scaled(Duration.ofSeconds(90)));
        assertThat(violations.get()).as("a writer beside anyone").isZero();
        assertThat(counter.get()).as("increments under the write lock").isEqualTo(writes.get())
                .isEqualTo(2 * FUZZ_CYCLES_PER_THREAD);
        // Shown deterministically: two readers of two clients at once.
        Lease one = openClient().readWriteLock(name).readLock().acquire();
        Lease two = openClient().readWriteLock(name).readLock().tryAcquire(Duration.ZERO)
                .orElseThrow(() -> new AssertionError("a second reader was refused"));
        assertThat(openClient().readWriteLock(name).writeLock().tryAcquire(Duration.ZERO)).isEmpty();
        one.release();
        two.release();
    }

    /** A waiting writer stops readers that come after it, so steady readers cannot starve it. */
    @Test
    public final void waitingWriterIsNotOvertakenByLaterReaders() throws Exception {
        String name = lockName("rw");
        Lease reader = openClient().readWriteLock(name).readLock().acquire();
        CompletableFuture<Lease> writer = openClient().readWriteLock(name).writeLock().acquireAsync();
        assertStaysTrue("the writer waits for the reader", () -> !writer.isDone());
        DistributedLock lateReader = openClient().readWriteLock(name).readLock();
        CompletableFuture<Lease> late = lateReader.acquireAsync();
        assertStaysTrue("a reader that came after the writer waits behind it", () -> !late.isDone());
        assertThat(lateReader.tryAcquire(Duration.ZERO)).as("tryAcquire(ZERO) of a reader behind a writer").isEmpty();
        reader.release();
        Lease written = writer.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(late).isNotDone();
        long writeToken = written.fencingToken();
        written.release();
        Lease read = late.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(read.fencingToken()).isGreaterThan(writeToken);
        read.release();
    }

    /**
     * Not reentrant, no upgrade: a reader that asks for the write lock on the same client waits for
     * its own read lease, and gets the write lock once that is released.
     */
    @Test
    public final void aReaderAskingForTheWriteLockWaitsForItsOwnReadLease() throws Exception {
        ReadWriteLock rw = openClient().readWriteLock(lockName("rw"));
        Lease read = rw.readLock().acquire();
        long readToken = read.fencingToken();
        CompletableFuture<Lease> write = rw.writeLock().acquireAsync();
        assertStaysTrue("the write request waits for the same client's read lease", () -> !write.isDone());
        assertThat(rw.writeLock().tryAcquire(Duration.ZERO)).as("tryAcquire(ZERO) of the write lock").isEmpty();
        read.release();
        Lease written = write.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(written.fencingToken()).isGreaterThan(readToken);
        written.release();
    }

    /** Readers and writers draw from one token sequence: every token is greater than the last, whichever side. */
    @Test
    public final void readAndWriteTokensShareOneSequence() throws Exception {
        String name = lockName("rw");
        List<ReadWriteLock> locks = List.of(openClient().readWriteLock(name), openClient().readWriteLock(name));
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < 40; i++) {
            ReadWriteLock rw = locks.get(i % 2);
            DistributedLock side = i % 3 == 0 ? rw.writeLock() : rw.readLock();
            Lease lease = side.tryAcquire(Timing.scaled(Duration.ofSeconds(5)))
                    .orElseThrow(() -> new AssertionError("a free read-write lock was refused"));
            assertThat(lease.fencingToken()).as("token %d", i).isGreaterThan(previous);
            previous = lease.fencingToken();
            lease.release();
        }
    }

    /** A cancelled write request leaves nothing behind: readers are admitted again at once. */
    @Test
    public final void cancelledWriterLeavesNothingBehind() throws Exception {
        String name = lockName("rw");
        Lease reader = openClient().readWriteLock(name).readLock().acquire();
        CompletableFuture<Lease> writer = openClient().readWriteLock(name).writeLock().acquireAsync();
        assertStaysTrue("the writer waits", () -> !writer.isDone());
        assertThat(writer.cancel(true)).isTrue();
        Timing.await("a new reader is admitted once the writer withdrew").until(() -> {
            Optional<Lease> next = openClient().readWriteLock(name).readLock().tryAcquire(Duration.ZERO);
            next.ifPresent(Lease::release);
            return next.isPresent();
        });
        reader.release();
        openClient().readWriteLock(name).writeLock().tryAcquire(Timing.scaled(Duration.ofSeconds(2)))
                .orElseThrow(() -> new AssertionError("the write lock is not free")).release();
    }

    /** A reader cut off past the loss horizon is told, and a writer gets the lock. */
    @Test
    public final void cutOffReaderIsToldAndAWriterTakesOver() throws Exception {
        String name = lockName("rw");
        Duration lossWait = lossHorizon().plus(Timing.scaled(Duration.ofSeconds(15)));
        LockClient readerClient = openClient();
        Lease reader = readerClient.readWriteLock(name).readLock().acquire();
        cut(readerClient);
        CompletableFuture<Lease> writer = openClient().readWriteLock(name).writeLock().acquireAsync();
        Timing.await("the cut-off reader is told").atMost(lossWait).until(() -> reader.lost().isDone());
        Lease written = writer.get(lossWait.toNanos(), TimeUnit.NANOSECONDS);
        assertThat(reader.isValid()).isFalse();
        restore(readerClient);
        written.release();
    }

    /** Read and write leases may be released from any thread. */
    @Test
    public final void readWriteLeasesAreReleasedFromAnotherThread() throws Exception {
        String name = lockName("rw");
        ReadWriteLock rw = openClient().readWriteLock(name);
        Lease read = rw.readLock().acquire();
        executor(1, "releaser").submit(read::release).get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        Lease write = openClient().readWriteLock(name).writeLock().tryAcquire(Duration.ZERO)
                .orElseThrow(() -> new AssertionError("the write lock after the read lease was released"));
        executor(1, "releaser").submit(write::release).get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(write.isValid()).isFalse();
        openClient().readWriteLock(name).readLock().tryAcquire(Duration.ZERO).orElseThrow().release();
        assertThatThrownBy(() -> openClient().readWriteLock(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> openClient().readWriteLock("")).isInstanceOf(IllegalArgumentException.class);
    }

    // ================================================================ semaphore

    /** Eight threads on two clients never hold more than the permits, and do use them all. */
    @Test
    public final void semaphoreNeverAdmitsMoreThanItsPermits() throws Exception {
        String name = lockName("semaphore");
        AtomicInteger holders = new AtomicInteger();
        AtomicInteger mostHolders = new AtomicInteger();
        ExecutorService pool = executor(8, "permit");
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> workers = new ArrayList<>();
        for (LockClient client : List.of(openClient(), openClient())) {
            DistributedSemaphore semaphore = client.semaphore(name, PERMITS);
            for (int t = 0; t < 4; t++) {
                workers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < FUZZ_CYCLES_PER_THREAD; i++) {
                        try (Lease permit = semaphore.acquire()) {
                            assertThat(permit.isValid()).isTrue();
                            mostHolders.accumulateAndGet(holders.incrementAndGet(), Math::max);
                            Thread.sleep(1); // lets the holders overlap, which is the point
                            holders.decrementAndGet();
                        }
                    }
                    return null;
                }));
            }
        }
        start.countDown();
        awaitAll(workers, Timing.scaled(Duration.ofSeconds(90)));
        assertThat(mostHolders.get()).as("most permits held at once").isLessThanOrEqualTo(PERMITS);
        // Deterministically: exactly PERMITS leases, from different clients, then a refusal.
        List<Lease> permits = new ArrayList<>();
        for (int i = 0; i < PERMITS; i++) {
            permits.add(openClient().semaphore(name, PERMITS).tryAcquire(Timing.scaled(Duration.ofSeconds(2)))
                    .orElseThrow(() -> new AssertionError("a free permit was refused")));
        }
        assertThat(openClient().semaphore(name, PERMITS).tryAcquire(Duration.ofMillis(100))).isEmpty();
        long[] tokens = permits.stream().mapToLong(Lease::fencingToken).toArray();
        assertThat(tokens).as("each permit's own token, in grant order").isSorted().doesNotHaveDuplicates();
        executor(1, "releaser").submit(() -> permits.get(1).release()).get();
        Lease freed = openClient().semaphore(name, PERMITS).tryAcquire(Timing.scaled(Duration.ofSeconds(2)))
                .orElseThrow(() -> new AssertionError("the permit released from another thread did not come back"));
        assertThat(freed.fencingToken()).isGreaterThan(Arrays.stream(tokens).max().orElseThrow());
        permits.forEach(Lease::release);
        freed.release();
    }

    /** A permit of a client cut off past the loss horizon comes back by itself. */
    @Test
    public final void crashedHoldersPermitComesBack() throws Exception {
        String name = lockName("semaphore");
        Duration lossWait = lossHorizon().plus(Timing.scaled(Duration.ofSeconds(15)));
        LockClient crashed = openClient();
        Lease lost = crashed.semaphore(name, 1).acquire();
        cut(crashed);
        Lease next = openClient().semaphore(name, 1).tryAcquire(lossWait)
                .orElseThrow(() -> new AssertionError("the crashed holder's permit did not come back"));
        Timing.await("the cut-off holder is told").atMost(lossWait).until(() -> lost.lost().isDone());
        restore(crashed);
        next.release();
    }

    /** Two clients that disagree on the permits of one semaphore get a clear error, not more holders. */
    @Test
    public final void disagreeingPermitsAreAnError() throws Exception {
        String name = lockName("semaphore");
        Lease held = openClient().semaphore(name, 2).acquire();
        DistributedSemaphore other = openClient().semaphore(name, 5);
        assertThatThrownBy(other::acquire).isInstanceOf(LockException.class).hasMessageContaining("permits")
                .hasMessageContaining("2").hasMessageContaining("5");
        assertThatThrownBy(() -> other.tryAcquire(Duration.ZERO)).isInstanceOf(LockException.class)
                .hasMessageContaining("permits");
        Lease second = openClient().semaphore(name, 2).tryAcquire(Timing.scaled(Duration.ofSeconds(2)))
                .orElseThrow(() -> new AssertionError("the refused request left something behind"));
        held.release();
        second.release();
        // Nobody holds it now: a new number may be chosen.
        DistributedSemaphore five = openClient().semaphore(name, 5);
        List<Lease> fives = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            fives.add(five.tryAcquire(Timing.scaled(Duration.ofSeconds(2)))
                    .orElseThrow(() -> new AssertionError("a new number of permits once nobody held the old")));
        }
        assertThat(five.tryAcquire(Duration.ZERO)).as("a sixth of five permits").isEmpty();
        fives.forEach(Lease::release);
        assertThatThrownBy(() -> openClient().semaphore(name, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> openClient().semaphore(name, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> openClient().semaphore(null, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> openClient().semaphore("", 1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** A cancelled permit request leaves nothing behind. */
    @Test
    public final void cancelledPermitRequestLeavesNothingBehind() throws Exception {
        String name = lockName("semaphore");
        Lease held = openClient().semaphore(name, 1).acquire();
        CompletableFuture<Lease> pending = openClient().semaphore(name, 1).acquireAsync();
        assertStaysTrue("the request waits", () -> !pending.isDone());
        assertThat(pending.cancel(true)).isTrue();
        held.release();
        openClient().semaphore(name, 1).tryAcquire(Timing.scaled(Duration.ofSeconds(2)))
                .orElseThrow(() -> new AssertionError("the withdrawn request holds the permit")).release();
    }

    // ================================================================ all recipes

    /**
     * Pending campaigns, permit requests and write requests (the API's "parks no thread") cost
     * no thread each, and every one is served, one holder at a time, once the holders leave.
     */
    @Test
    public final void pendingRecipeRequestsTakeNoThreadEach() throws Exception {
        List<String> names = List.of(lockName("election"), lockName("semaphore"), lockName("rw"));
        LockClient waiters = openClient();
        LockClient holders = openClient();
        ExecutorService releaser = executor(1, "releaser");
        // Once each kind has waited and been served, the threads a client starts lazily exist before counting.
        List<Lease> warmUpHeld = holdEach(holders, names);
        List<CompletableFuture<? extends Lease>> warmUp = requestEach(waiters, names);
        warmUpHeld.forEach(Lease::release);
        for (CompletableFuture<? extends Lease> request : warmUp) {
            request.get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS).release();
        }
        releaser.submit(() -> { }).get();
        List<Lease> held = holdEach(holders, names);
        int threadsBefore = liveThreads();
        List<CompletableFuture<? extends Lease>> requests = new ArrayList<>();
        for (int i = 0; i < PENDING_RECIPE_REQUESTS; i++) {
            requests.addAll(requestEach(waiters, names));
        }
        assertThat(mostThreadsWhilePending(requests) - threadsBefore)
                .as("threads added for %d pending recipe requests", requests.size())
                .isLessThanOrEqualTo(MAX_EXTRA_THREADS_FOR_WAITERS);
        AtomicInteger[] holding = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        AtomicInteger mostHolding = new AtomicInteger();
        List<CompletableFuture<Void>> served = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            AtomicInteger ofKind = holding[i % names.size()];
            // Counted where the grant completes, uncounted just before the release: two grants of one kind overlap here.
            served.add(requests.get(i).thenApply(lease -> {
                mostHolding.accumulateAndGet(ofKind.incrementAndGet(), Math::max);
                return lease;
            }).thenAcceptAsync(lease -> {
                ofKind.decrementAndGet();
                lease.release(); // may block on the backend, hence this executor and not the callback thread
            }, releaser));
        }
        held.forEach(Lease::release);
        CompletableFuture.allOf(served.toArray(CompletableFuture[]::new))
                .get(Timing.scaled(Duration.ofSeconds(60)).toNanos(), TimeUnit.NANOSECONDS);
        assertThat(mostHolding.get()).as("holders of one recipe at once (one leader, one permit, one writer)")
                .isEqualTo(1);
    }

    /** Holds, through {@code client}, the election, the single permit and a read lock of {@code names}. */
    private static List<Lease> holdEach(LockClient client, List<String> names) throws InterruptedException {
        return List.of(client.election(names.get(0)).campaign(), client.semaphore(names.get(1), 1).acquire(),
                client.readWriteLock(names.get(2)).readLock().acquire());
    }

    /** Asks, through {@code client}, to lead, for the permit and for the write lock of {@code names}. */
    private static List<CompletableFuture<? extends Lease>> requestEach(LockClient client, List<String> names) {
        return List.of(client.election(names.get(0)).campaignAsync(), client.semaphore(names.get(1), 1).acquireAsync(),
                client.readWriteLock(names.get(2)).writeLock().acquireAsync());
    }

    // ================================================================ lockAll

    /** Callers that name overlapping sets in opposite orders never deadlock, and each holds all its parts. */
    @Test
    public final void lockAllInAnyOrderNeverDeadlocks() throws Exception {
        String a = lockName("account-a");
        String b = lockName("account-b");
        String c = lockName("account-c");
        AtomicInteger holdersOfB = new AtomicInteger();
        AtomicInteger violations = new AtomicInteger();
        ExecutorService pool = executor(4, "transfer");
        List<Future<?>> workers = new ArrayList<>();
        List<List<String>> orders = List.of(List.of(a, b), List.of(b, a), List.of(c, b), List.of(b, c, a));
        for (List<String> order : orders) {
            MultiLock all = openClient().lockAll(order);
            workers.add(pool.submit(() -> {
                for (int i = 0; i < FUZZ_CYCLES_PER_THREAD; i++) {
                    try (Lease lease = all.acquire()) {
                        if (holdersOfB.incrementAndGet() != 1) {
                            violations.incrementAndGet();
                        }
                        for (String part : order) {
                            assertThat(lease.fencingToken(part)).isPositive();
                        }
                        holdersOfB.decrementAndGet();
                    }
                }
                return null;
            }));
        }
        awaitAll(workers, Timing.scaled(Duration.ofSeconds(90)));
        assertThat(violations.get()).isZero();
    }

    /** One lease for all parts: each part's token, one release for all, and tryAcquire that gives back what it took. */
    @Test
    public final void lockAllLeaseCoversEveryPart() throws Exception {
        String a = lockName("a");
        String b = lockName("b");
        LockClient client = openClient();
        MultiLock both = client.lockAll(List.of(b, a));
        assertThat(both.names()).containsExactly(a.compareTo(b) < 0 ? a : b, a.compareTo(b) < 0 ? b : a);
        Lease lease = both.acquire();
        long tokenA = lease.fencingToken(a);
        long tokenB = lease.fencingToken(b);
        assertThat(lease.fencingToken()).isEqualTo(Math.max(tokenA, tokenB));
        assertThatThrownBy(() -> lease.fencingToken("other")).isInstanceOf(IllegalArgumentException.class);
        assertThat(openClient().lock(a).tryAcquire(Duration.ZERO)).isEmpty();
        assertThat(openClient().lock(b).tryAcquire(Duration.ZERO)).isEmpty();
        executor(1, "releaser").submit(lease::release).get(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        assertThat(lease.isValid()).isFalse();
        assertThatThrownBy(() -> lease.fencingToken(a)).isInstanceOf(IllegalStateException.class);

        Lease onlyB = openClient().lock(b).acquire();
        assertThat(both.tryAcquire(Duration.ofMillis(100))).as("while b is held elsewhere").isEmpty();
        openClient().lock(a).tryAcquire(Duration.ZERO)
                .orElseThrow(() -> new AssertionError("a failed lockAll kept a part")).release();
        CompletableFuture<Lease> pending = both.acquireAsync();
        assertStaysTrue("lockAll waits for b", () -> !pending.isDone());
        assertThat(pending.cancel(true)).isTrue();
        onlyB.release();
        Lease again = both.tryAcquire(Timing.scaled(Duration.ofSeconds(2)))
                .orElseThrow(() -> new AssertionError("a cancelled lockAll kept a part"));
        assertThat(again.fencingToken(a)).isGreaterThan(tokenA);
        assertThat(again.fencingToken(b)).isGreaterThan(tokenB);
        again.release();
    }

    /**
     * A lockAll holder cut off past the loss horizon is told through the one lease's lost(), its
     * tokens are refused, and another client then gets every part with greater tokens.
     */
    @Test
    public final void lockAllLeaseIsLostWhenItsPartsAre() throws Exception {
        String a = lockName("a");
        String b = lockName("b");
        Duration lossWait = lossHorizon().plus(Timing.scaled(Duration.ofSeconds(15)));
        LockClient holderClient = openClient();
        Lease old = holderClient.lockAll(List.of(a, b)).acquire();
        long tokenA = old.fencingToken(a);
        long tokenB = old.fencingToken(b);
        CompletableFuture<LossReason> lost = old.lost();
        cut(holderClient);
        Timing.await("the cut-off holder of both parts is told").atMost(lossWait).until(lost::isDone);
        assertThat(lost.join()).isIn(CONNECTION_LOSS);
        assertThat(old.isValid()).isFalse();
        assertThatThrownBy(() -> old.fencingToken(a)).isInstanceOf(IllegalStateException.class);
        Lease next = openClient().lockAll(List.of(b, a)).tryAcquire(lossWait)
                .orElseThrow(() -> new AssertionError("the lost lockAll's parts never came free"));
        assertThat(next.fencingToken(a)).isGreaterThan(tokenA);
        assertThat(next.fencingToken(b)).isGreaterThan(tokenB);
        restore(holderClient);
        next.release();
    }

    /** Bad lockAll input is refused before anything is written. */
    @Test
    public final void badLockAllInputIsRefused() throws Exception {
        LockClient client = openClient();
        String a = lockName("a");
        assertThatThrownBy(() -> client.lockAll(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> client.lockAll(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.lockAll(List.of(a, a))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("twice");
        assertThatThrownBy(() -> client.lockAll(Arrays.asList(a, null))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> client.lockAll(List.of(a, ""))).isInstanceOf(IllegalArgumentException.class);
        client.lock(a).tryAcquire(Duration.ZERO).orElseThrow().release();
    }

    // ================================================================ inspection

    /** A client that can list its locks also lists held read-write locks, semaphores and elections. */
    @Test
    public final void inspectionListsHeldRecipes() throws Exception {
        LockClient client = openClient();
        if (!(client instanceof LockInspection)) {
            return;
        }
        String prefix = lockName("inspected") + "/";
        LockClient holders = openClient();
        Lease reader = holders.readWriteLock(prefix + "rw").readLock().acquire();
        Lease otherReader = openClient().readWriteLock(prefix + "rw").readLock().acquire();
        Lease permit = holders.semaphore(prefix + "sem", 3).acquire();
        Leadership leader = holders.election(prefix + "election").withPayload("host:1").campaign();
        List<CoordinationInfo> listed = ((LockInspection) client).coordination(prefix);
        assertThat(listed).extracting(CoordinationInfo::kind).containsExactly(CoordinationInfo.Kind.READ_WRITE_LOCK,
                CoordinationInfo.Kind.SEMAPHORE, CoordinationInfo.Kind.ELECTION);
        CoordinationInfo rw = listed.get(0);
        assertThat(rw.name()).isEqualTo(prefix + "rw");
        assertThat(rw.holders()).isEqualTo(2);
        assertThat(rw.detail()).isEqualTo("read");
        assertThat(rw.fencingToken()).isEqualTo(otherReader.fencingToken());
        CoordinationInfo sem = listed.get(1);
        assertThat(sem.holders()).isEqualTo(1);
        assertThat(sem.limit()).isEqualTo(3);
        assertThat(sem.fencingToken()).isEqualTo(permit.fencingToken());
        CoordinationInfo election = listed.get(2);
        assertThat(election.detail()).isEqualTo("host:1");
        assertThat(election.fencingToken()).isEqualTo(leader.term());
        reader.release();
        otherReader.release();
        permit.release();
        leader.resign();
        Timing.await("released recipes are not listed").until(() -> ((LockInspection) client).coordination(prefix).isEmpty());
    }

    // ================================================================ helpers

    private static Optional<LeaderInfo> poll(BlockingQueue<Optional<LeaderInfo>> seen) throws InterruptedException {
        Optional<LeaderInfo> next = seen.poll(Timing.defaultWait().toNanos(), TimeUnit.NANOSECONDS);
        if (next == null) {
            throw new AssertionError("the observer was not told within " + Timing.defaultWait());
        }
        return next;
    }

    /**
     * Takes reports until one shows {@code term} (empty: nobody leads). Reports of leaders in
     * between are allowed only if they are newer than the last; a report never goes back.
     */
    private static Optional<LeaderInfo> awaitReport(BlockingQueue<Optional<LeaderInfo>> seen, Optional<Long> term)
            throws InterruptedException {
        for (int i = 0; i < 10; i++) {
            Optional<LeaderInfo> next = poll(seen);
            if (next.map(LeaderInfo::term).equals(term)) {
                return next;
            }
        }
        throw new AssertionError("the observer never reported term " + term);
    }
}
