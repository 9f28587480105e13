package dev.baton.soak;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A 2PC worker JVM's line to the harness: history lines over loopback TCP, a stop when stdin
 * closes, and the small helpers every such main needs.
 */
final class WorkerLink {

    private final String name;
    private final Socket socket;
    private final Writer out;
    private volatile boolean stopping;

    private WorkerLink(String name, Socket socket) throws IOException {
        this.name = name;
        this.socket = socket;
        this.out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** Connects, says {@code HELLO}, and starts watching stdin. */
    static WorkerLink connect(int port, String name) throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        WorkerLink link = new WorkerLink(name, socket);
        link.send("HELLO", name, Long.toString(ProcessHandle.current().pid()));
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the harness closes our input to stop us
                }
            } catch (IOException e) {
                // same as closed
            }
            link.stopping = true;
        }, "stdin-watch");
        stdin.setDaemon(true);
        stdin.start();
        return link;
    }

    /** The {@code key=value} arguments from {@code from} on. */
    static Map<String, String> config(String[] args, int from) {
        Map<String, String> config = new HashMap<>();
        for (int i = from; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            config.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        return config;
    }

    String name() {
        return name;
    }

    boolean stopping() {
        return stopping;
    }

    /** Runs {@code open} until it succeeds (a restarted worker may meet a fault), up to 60 tries 0.5 s apart. */
    <T> T retry(String note, Supplier<T> open) {
        for (int attempt = 1; ; attempt++) {
            try {
                return open.get();
            } catch (RuntimeException e) {
                send("NOTE", name, Long.toString(Micros.now()), note, oneLine(e));
                if (attempt >= 60 || stopping) {
                    throw e;
                }
                sleep(500);
            }
        }
    }

    /** Sends one history line; the harness is the only reader, and losing it ends the worker. */
    void send(String... fields) {
        String line = String.join("\t", fields) + "\n";
        synchronized (out) {
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                System.err.println(name + ": lost the harness: " + e);
                Runtime.getRuntime().halt(3);
            }
        }
    }

    void close() throws IOException {
        socket.close();
    }

    static String oneLine(Throwable e) {
        return (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\t', ' ').replace('\n', ' ');
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
