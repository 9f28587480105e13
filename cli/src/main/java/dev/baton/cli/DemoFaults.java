package dev.baton.cli;

import dev.baton.txn.xa.XaTransactions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;

/** The demo's fault drills, run off the workers' threads so that transfers keep flowing. */
final class DemoFaults {

    private final DemoServers servers;
    private final CuratorFramework inspector;
    private final PrintWriter out;
    private final List<CompletableFuture<Void>> running = new ArrayList<>();

    DemoFaults(DemoServers servers, CuratorFramework inspector, PrintWriter out) {
        this.servers = servers;
        this.inspector = inspector;
        this.out = out;
    }

    /**
     * Closes an XA instance's ZooKeeper session abruptly, as a crash would: its transactions in
     * flight fail, and the other instance's recovery finishes their prepared branches (commits
     * those with a COMMIT decision, rolls back the others).
     */
    synchronized void killCoordinator(XaTransactions coordinator, CuratorFramework session,
                                      TransferRun.CoordinatorPool pool) {
        running.add(CompletableFuture.runAsync(() -> {
            pool.remove(coordinator);
            int open = DemoChecks.openTransactions(inspector);
            session.close();
            say("! killed coordinator 1 of 2 (its session closed) with %d decision(s) not yet cleaned up in"
                    + " ZooKeeper; coordinator 2's recovery finishes its prepared branches", open);
        }));
    }

    /** Kills the ZooKeeper leader and reports how long the ensemble took to elect another. */
    synchronized void killLeader() {
        running.add(CompletableFuture.runAsync(() -> {
            long start = System.nanoTime();
            try {
                Optional<String> leader = servers.killLeader();
                if (leader.isEmpty()) {
                    say("! could not find the ZooKeeper leader to kill");
                    return;
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (!servers.hasLeader() && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                say("! killed the ZooKeeper leader (%s); %s after %.1f s", leader.get(),
                        servers.hasLeader() ? "a new leader was elected" : "no leader yet",
                        (System.nanoTime() - start) / 1e9);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                say("! killing the ZooKeeper leader failed: %s", e.getMessage());
            }
        }));
    }

    synchronized void awaitAll() {
        CompletableFuture.allOf(running.toArray(CompletableFuture[]::new)).join();
    }

    private void say(String format, Object... args) {
        synchronized (out) {
            out.printf(format + "%n", args);
            out.flush();
        }
    }
}
