package dev.baton.cli;

import dev.baton.txn.TransactionCoordinator;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton coordinator}: a long-running coordinator that finishes transactions others left behind. */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
        description = {"Run a transaction coordinator until SIGTERM or Ctrl-C. It drives no transactions of its own;",
                "it takes over every transaction whose coordinator died (its driver lease is gone) and finishes it",
                "from what ZooKeeper shows. On SIGTERM it closes its session, so another instance takes over at once."},
        footer = {"", "Examples:", "  baton coordinator --zookeeper zk1:2181,zk2:2181,zk3:2181",
                "  BATON_ZOOKEEPER_CONNECT=zk1:2181 baton coordinator -D baton.zookeeper.session-timeout=10s",
                "", "Exit codes: 143 after SIGTERM (128 + 15), as usual for a stopped service; 69 ZooKeeper",
                "unreachable at start; 78 configuration error."})
final class CoordinatorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        var config = connection.resolveForTransactions();
        TransactionCoordinator coordinator = TransactionCoordinator.open(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread stop = new Thread(() -> {
            coordinator.close();
            out.println("baton coordinator: stopped");
            out.flush();
            stopped.countDown();
        }, "baton-coordinator-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        out.println("baton coordinator: running on " + config.get("baton.zookeeper.connect")
                + "; send SIGTERM or press Ctrl-C to stop");
        out.flush();
        stopped.await();
        return ExitCodes.OK;
    }
}
