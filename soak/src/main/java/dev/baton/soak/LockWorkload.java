package dev.baton.soak;

import dev.baton.soak.check.CheckResult;
import dev.baton.soak.check.Checker;
import dev.baton.soak.cluster.LockCluster;
import dev.baton.soak.cluster.Wait;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Worker JVMs taking the soak's locks and writing to the fenced resource. */
final class LockWorkload implements Workload {

    private final SoakOptions options;
    private final LockCluster cluster;
    private final History history;
    private final int harnessPort;
    private final Path logs;
    private final List<WorkerProcess> workers = new ArrayList<>();

    LockWorkload(SoakOptions options, LockCluster cluster, History history, int harnessPort, Path logs) {
        this.options = options;
        this.cluster = cluster;
        this.history = history;
        this.harnessPort = harnessPort;
        this.logs = logs;
    }

    @Override
    public String name() {
        return "locks";
    }

    @Override
    public void start() {
        for (int i = 1; i <= options.workers(); i++) {
            WorkerProcess worker = new WorkerProcess(i, options, cluster, harnessPort, logs);
            workers.add(worker);
            worker.start();
        }
        Wait.require("every worker is ready", Duration.ofSeconds(120),
                () -> workers.stream().allMatch(w -> history.ready(w.name())));
        long started = Micros.now();
        Wait.require("the workers take locks", Duration.ofSeconds(60), () -> history.latestGrant() > started);
    }

    @Override
    public List<WorkerProcess> targets() {
        return workers;
    }

    @Override
    public void stop() {
        workers.parallelStream().forEach(WorkerProcess::stop);
        reportLoggedErrors();
    }

    /**
     * Lines the workers' libraries logged at ERROR (the workers log at WARN and above): a ZooKeeper
     * watcher that throws shows up here (issue 15), and nowhere in the lock's behaviour.
     */
    private void reportLoggedErrors() {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(logs)) {
            for (Path file : files.sorted().toList()) {
                String worker = file.getFileName().toString().replace(".log", "");
                List<String> lines = java.nio.file.Files.readAllLines(file, java.nio.charset.StandardCharsets.UTF_8);
                for (int i = 0; i < lines.size(); i++) {
                    if (lines.get(i).contains(" ERROR ")) {
                        // The line after names the exception, which is what tells one error from another.
                        String cause = i + 1 < lines.size() ? " / " + lines.get(i + 1) : "";
                        history.add("NOTE", worker, Long.toString(Micros.now()), "worker-log-error",
                                (lines.get(i) + cause).replace('\t', ' '));
                    }
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            history.add("NOTE", "harness", Long.toString(Micros.now()), "log-scan-failed", e.toString());
        }
    }

    @Override
    public CheckResult check(List<String> lines) {
        return Checker.check(lines);
    }
}
