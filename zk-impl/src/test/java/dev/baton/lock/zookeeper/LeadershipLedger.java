package dev.baton.lock.zookeeper;

import dev.baton.lock.Leadership;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockException;
import dev.baton.lock.testkit.Timing;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.assertj.core.api.Assertions;

/**
 * The election fault tests' witness: every leadership any candidate is granted is recorded, and at
 * each grant every earlier leadership must already be invalid, and the new term greater than every
 * earlier one. Candidates campaign in a loop (one thread per client): lead until the leadership is
 * lost, then campaign again.
 */
final class LeadershipLedger {

    /** One grant: who, what, and when it was recorded. */
    record Grant(LockClient client, Leadership leadership) {
    }

    /** A grant that found an earlier leadership still valid, and when that one learned it was over. */
    static final class Overlap {
        final long oldTerm;
        final long newTerm;
        final long grantedAt = System.nanoTime();
        volatile long endedAt = -1;

        Overlap(long oldTerm, long newTerm) {
            this.oldTerm = oldTerm;
            this.newTerm = newTerm;
        }

        @Override
        public String toString() {
            return "term " + newTerm + " was granted while term " + oldTerm + " was still valid"
                    + (endedAt < 0 ? ", and it never learned otherwise"
                            : ", for another " + (endedAt - grantedAt) / 1000 + " µs");
        }
    }

    private final List<Grant> grants = new ArrayList<>(); // guarded by this
    private final List<String> violations = new ArrayList<>(); // guarded by this
    private final List<Overlap> overlaps = new ArrayList<>(); // guarded by this

    synchronized void granted(LockClient client, Leadership leadership) {
        for (Grant earlier : grants) {
            if (earlier.leadership().isValid()) {
                Overlap overlap = new Overlap(earlier.leadership().term(), leadership.term());
                overlaps.add(overlap);
                earlier.leadership().lost().thenRun(() -> overlap.endedAt = System.nanoTime());
            }
            if (earlier.leadership().term() >= leadership.term()) {
                violations.add("term " + leadership.term() + " is not greater than term " + earlier.leadership().term());
            }
        }
        grants.add(new Grant(client, leadership));
        notifyAll();
    }

    /** The newest grant once it is valid. */
    Grant awaitLeader() throws InterruptedException {
        return awaitLeaderAfter(-1);
    }

    /** A grant newer than {@code old}, once it is valid. */
    Grant awaitLeaderOtherThan(Grant old) throws InterruptedException {
        int index;
        synchronized (this) {
            index = grants.indexOf(old);
        }
        return awaitLeaderAfter(index);
    }

    private synchronized Grant awaitLeaderAfter(int index) throws InterruptedException {
        long deadline = System.nanoTime() + Timing.scaled(java.time.Duration.ofSeconds(60)).toNanos();
        while (true) {
            if (grants.size() > index + 1) {
                Grant newest = grants.get(grants.size() - 1);
                if (newest.leadership().isValid()) {
                    return newest;
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no new leader after grant " + index + "; grants: " + grants.size());
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
        }
    }

    /** No grant ever found another leadership valid, and terms only grew. */
    synchronized void assertNeverTwoLeaders() {
        Assertions.assertThat(overlaps).as("double leaders").isEmpty();
        Assertions.assertThat(violations).as("terms out of order").isEmpty();
        Assertions.assertThat(grants).as("grants").isNotEmpty();
    }

    /**
     * Terms only grew, and where a grant found an earlier leadership still valid (its node was
     * deleted by someone else: the two clients hear of it each on their own connection), the old
     * leader learned it within {@code bound}.
     */
    void assertOverlapsEndWithin(java.time.Duration bound) {
        List<Overlap> seen;
        synchronized (this) {
            Assertions.assertThat(violations).as("terms out of order").isEmpty();
            seen = List.copyOf(overlaps);
        }
        for (Overlap overlap : seen) {
            Timing.await("the old leader of term " + overlap.oldTerm + " is told").until(() -> overlap.endedAt >= 0);
            Assertions.assertThat(java.time.Duration.ofNanos(overlap.endedAt - overlap.grantedAt)).as("%s", overlap)
                    .isLessThan(bound);
        }
        if (!seen.isEmpty()) {
            System.out.println("overlaps after an outside delete: " + seen);
        }
    }

    /** Starts one campaigning thread per client; closing stops them. */
    Candidates campaign(List<LockClient> clients, String election) {
        ExecutorService threads = Executors.newFixedThreadPool(clients.size(), task -> {
            Thread thread = new Thread(task, "election-candidate");
            thread.setDaemon(true);
            return thread;
        });
        for (LockClient client : clients) {
            threads.submit(() -> candidate(client, election));
        }
        return new Candidates(threads);
    }

    private void candidate(LockClient client, String election) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Leadership leadership;
                try {
                    leadership = client.election(election).campaign();
                } catch (LockException e) {
                    Thread.sleep(50); // the server is away: campaign again
                    continue;
                }
                granted(client, leadership);
                try {
                    while (true) {
                        try {
                            leadership.lost().get(100, TimeUnit.MILLISECONDS);
                            break;
                        } catch (TimeoutException stillLeading) {
                            if (Thread.currentThread().isInterrupted()) {
                                throw new InterruptedException();
                            }
                        }
                    }
                } catch (InterruptedException e) {
                    leadership.resign();
                    throw e;
                }
            }
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            // stopped
        }
    }

    /** The campaigning threads. */
    static final class Candidates implements AutoCloseable {
        private final ExecutorService threads;

        Candidates(ExecutorService threads) {
            this.threads = threads;
        }

        void stop() throws InterruptedException {
            threads.shutdownNow();
            Assertions.assertThat(threads.awaitTermination(Timing.scaledMillis(20_000), TimeUnit.MILLISECONDS))
                    .as("candidates stopped").isTrue();
        }

        @Override
        public void close() throws InterruptedException {
            stop();
        }
    }
}
