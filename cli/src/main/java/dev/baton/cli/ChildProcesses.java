package dev.baton.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** Stopping a child and everything it started: SIGTERM first, SIGKILL after a grace period. */
final class ChildProcesses {

    private ChildProcesses() {
    }

    /** Sends SIGTERM to the child and its descendants now, and SIGKILL to the survivors after {@code grace}. */
    static void terminate(Process child, Duration grace) {
        List<ProcessHandle> family = child.descendants().collect(Collectors.toList());
        family.add(0, child.toHandle());
        family.forEach(ProcessHandle::destroy);
        CompletableFuture.runAsync(() -> family.forEach(ProcessHandle::destroyForcibly),
                CompletableFuture.delayedExecutor(grace.toMillis(), TimeUnit.MILLISECONDS));
    }
}
