package dev.baton.lock.testkit;

import dev.baton.lock.LockClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one contract test opened: clients, executors and threads, closed together after the test.
 * Package-private: the contract's helper, not part of the testkit's API.
 *
 * <p>Thread safety: safe for concurrent registration; {@link #closeAll} runs after the test.
 */
final class ContractResources {

    private final List<LockClient> clients = new CopyOnWriteArrayList<>();
    private final List<ExecutorService> executors = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicInteger threadCount = new AtomicInteger();

    /** Remembers {@code client} so that {@link #closeAll} closes it; returns it. */
    LockClient track(LockClient client) {
        clients.add(client);
        return client;
    }

    /** A fixed pool of daemon threads named for the contract and {@code role}. */
    ExecutorService executor(int size, String role) {
        ExecutorService executor = Executors.newFixedThreadPool(size, runnable -> newThread(role, runnable));
        executors.add(executor);
        return executor;
    }

    /** A daemon thread, not started, that {@link #closeAll} interrupts and waits for. */
    Thread thread(String role, Runnable body) {
        Thread thread = newThread(role, body);
        threads.add(thread);
        return thread;
    }

    /**
     * Closes every client, then stops every thread and executor, waiting at most {@code wait} for
     * them. Closing the clients first fails any acquire still blocked in them.
     *
     * @throws AssertionError if a thread outlives the wait: something ignored both close and interrupt
     */
    void closeAll(Duration wait) throws InterruptedException {
        List<Throwable> failures = new ArrayList<>();
        for (LockClient client : clients) {
            try {
                client.close();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        clients.clear();
        threads.forEach(Thread::interrupt);
        executors.forEach(ExecutorService::shutdownNow);
        long deadline = System.nanoTime() + wait.toNanos();
        List<String> stuck = new ArrayList<>();
        for (Thread thread : threads) {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (thread.isAlive()) {
                stuck.add(thread.getName());
            }
        }
        for (ExecutorService executor : executors) {
            if (!executor.awaitTermination(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                stuck.add(executor.toString());
            }
        }
        threads.clear();
        executors.clear();
        if (!stuck.isEmpty() || !failures.isEmpty()) {
            AssertionError error = new AssertionError("cleanup failed: still running " + stuck
                    + "; client close failures: " + failures.size());
            failures.forEach(error::addSuppressed);
            throw error;
        }
    }

    private Thread newThread(String role, Runnable body) {
        Thread thread = new Thread(body, "baton-contract-" + role + "-" + threadCount.incrementAndGet());
        thread.setDaemon(true);
        return thread;
    }
}
