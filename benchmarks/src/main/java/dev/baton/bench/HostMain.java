package dev.baton.bench;

import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.txn.participant.ParticipantHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

/**
 * A {@link ParticipantHost} in a JVM of its own, for the 2PC rows "through ParticipantHost in
 * another JVM": {@code HostMain <connect> <root> <name>...} hosts always-YES participants under
 * those names, prints {@code ready}, and exits when its standard input closes.
 */
public final class HostMain {

    private HostMain() {
    }

    /** Entry point of the child JVM. */
    public static void main(String[] args) throws Exception {
        try (CuratorFramework curator = CuratorFrameworkFactory.newClient(args[0], 30_000, 10_000, new RetryOneTime(100))) {
            curator.start();
            if (!curator.blockUntilConnected(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("cannot connect to " + args[0]);
            }
            ParticipantHost.Builder builder = ParticipantHost.builder(curator)
                    .options(ZooKeeperLockOptions.defaults().withRootPath(args[1]));
            for (int i = 2; i < args.length; i++) {
                builder.participant(args[i], new TxnBench.Yes());
            }
            try (ParticipantHost host = builder.start()) {
                System.out.println("ready");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait for the parent to close our input
                }
            }
        }
    }

    /** Starts a child JVM hosting {@code names}; closing it ends the child. */
    static AutoCloseable start(String connect, String root, List<String> names) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), HostMain.class.getName(), connect, root));
        command.addAll(names);
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (!"ready".equals(line)) {
            process.destroyForcibly();
            throw new IOException("the participant host JVM did not start (it said: " + line + ")");
        }
        return () -> {
            OutputStream in = process.getOutputStream();
            in.close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        };
    }
}
