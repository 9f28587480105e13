package dev.baton.soak;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.LockException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A worker JVM: the public API only ({@link LockClients#open(Map)}, {@code tryAcquire},
 * {@link Lease#fencingToken()}, {@link Lease#isValid()}, {@link Lease#lost()}). In a loop it takes one
 * of the soak's locks, and in its critical section checks that its lease is valid, works a moment,
 * and writes to the fenced resource with its token, a few times; then releases.
 *
 * <p>The check comes <em>before</em> the work, as in real code: a pause during the work makes the
 * following write late, which is exactly what fencing must refuse.
 *
 * <p>Every step is reported to the harness as a line of the history (see
 * {@link dev.baton.soak.check.HistoryLine}), stamped with this machine's wall clock in µs. A stall
 * thread reports gaps in its own scheduling (a SIGSTOP, a long GC, CPU starvation): the checker
 * counts such a gap as a pause of the holder, whoever caused it.
 *
 * <p>Arguments: {@code harnessPort name locks holdMillis writes waitMillis break key=value...};
 * it stops gracefully when its standard input closes.
 */
public final class Worker {

    /** What a worker breaks on purpose, for the self-test. */
    public enum Break {
        /** Nothing: the real thing. */
        NONE,
        /** Every fourth section runs without acquiring, reusing the worker's last token: a lock that grants twice. */
        LOCK,
        /** {@code lost()} completions are never reported: a lease that is never told it was lost. */
        LOST
    }

    private static final long STALL_MILLIS = 250;
    /**
     * Every this many grants, the worker closes its client in the middle of the section, while it
     * holds the lease (as a service that shuts down would), and opens a new one: closing with a
     * lease held must end it with {@code CLIENT_CLOSED} and must not make the library log errors.
     */
    private static final int RECYCLE_EVERY = 8;

    private final String name;
    private final Socket harness;
    private final Writer out;
    private final BufferedReader in;
    private volatile boolean stopping;
    /** The lease in its critical section now, watched by the validity thread; null between sections. */
    private volatile Watched current;
    private Map<String, String> config;
    private LockClient client;

    private record Watched(Lease lease, long seq) {
    }

    private Worker(String name, Socket harness) throws IOException {
        this.name = name;
        this.harness = harness;
        this.out = new OutputStreamWriter(harness.getOutputStream(), StandardCharsets.UTF_8);
        this.in = new BufferedReader(new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8));
    }

    /** Entry point of the worker JVM. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String name = args[1];
        int locks = Integer.parseInt(args[2]);
        long holdMillis = Long.parseLong(args[3]);
        int writes = Integer.parseInt(args[4]);
        Duration wait = Duration.ofMillis(Long.parseLong(args[5]));
        Break broken = Break.valueOf(args[6]);
        Map<String, String> config = new HashMap<>();
        for (int i = 7; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            config.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        Worker worker = new Worker(name, socket);
        worker.send("HELLO", name, Long.toString(ProcessHandle.current().pid()));
        worker.startStallWatch();
        worker.startValidityWatch();
        worker.watchStdin();
        worker.config = config;
        worker.client = worker.open(config);
        worker.send("READY", name, Long.toString(Micros.now()));
        try {
            worker.loop(locks, holdMillis, writes, wait, broken);
        } finally {
            worker.client.close();
        }
        worker.send("BYE", name, Long.toString(Micros.now()));
        socket.close();
        System.exit(0);
    }

    /** Opens the client, retrying while the servers are down (a restarted worker may meet a fault). */
    private LockClient open(Map<String, String> config) {
        for (int attempt = 1; ; attempt++) {
            try {
                return LockClients.open(config);
            } catch (LockException e) {
                send("NOTE", name, Long.toString(Micros.now()), "open-failed", oneLine(e));
                if (attempt >= 60 || stopping) {
                    throw e;
                }
                sleep(500);
            }
        }
    }

    private void loop(int locks, long holdMillis, int writes, Duration wait, Break broken) {
        Map<String, Long> lastToken = new HashMap<>();
        long seq = 0;
        long grants = 0;
        long sections = 0;
        while (!stopping) {
            String lock = "soak/" + ThreadLocalRandom.current().nextInt(locks);
            sections++;
            if (broken == Break.LOCK && sections % 4 == 0 && lastToken.containsKey(lock)) {
                // The fake second grant: no acquire at all, an old token, and a lease that believes itself valid.
                seq++;
                long now = Micros.now();
                send("ACQ", name, lock, Long.toString(seq), Long.toString(now), Long.toString(now),
                        Long.toString(lastToken.get(lock)));
                section(null, lock, seq, lastToken.get(lock), holdMillis, writes, null);
                continue;
            }
            long start = Micros.now();
            Optional<Lease> granted;
            try {
                granted = client.lock(lock).tryAcquire(wait);
            } catch (LockException e) {
                send("ACQFAIL", name, lock, Long.toString(start), Long.toString(Micros.now()), oneLine(e));
                sleep(100);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long end = Micros.now();
            if (granted.isEmpty()) {
                continue;
            }
            Lease lease = granted.get();
            seq++;
            long token;
            try {
                token = lease.fencingToken();
            } catch (IllegalStateException e) {
                // Handed out already lost (issue 15): nothing may be done with it.
                send("ACQ", name, lock, Long.toString(seq), Long.toString(start), Long.toString(end), "-1",
                        Long.toString(Micros.now()), oneLine(e));
                lease.release();
                continue;
            }
            send("ACQ", name, lock, Long.toString(seq), Long.toString(start), Long.toString(end), Long.toString(token));
            lastToken.put(lock, token);
            long leaseSeq = seq;
            if (broken != Break.LOST) {
                lease.lost().whenComplete((reason, failure) -> send("LOST", name, Long.toString(leaseSeq),
                        Long.toString(Micros.now()), reason == null ? "failed:" + failure : reason.name()));
            }
            current = new Watched(lease, seq);
            boolean recycle = ++grants % RECYCLE_EVERY == 0;
            section(lease, lock, seq, token, holdMillis, writes, recycle ? this::closeClient : null);
            if (recycle && !stopping) {
                client = open(config);
            }
        }
    }

    /**
     * Check, work, write; a few times; then release. {@code lease} is null for the fake grant;
     * {@code afterFirstWrite}, if not null, runs once after the first write (closing the client).
     */
    private void section(Lease lease, String lock, long seq, long token, long holdMillis, int writes,
                         Runnable afterFirstWrite) {
        String s = Long.toString(seq);
        for (int i = 0; i < writes && !stopping; i++) {
            // Stamped before and after: a pause between the two would otherwise date a true from
            // before the pause after it, and look like a holder that believed itself valid on resuming.
            long before = Micros.now();
            boolean valid = lease == null || lease.isValid();
            send("CHK", name, s, Long.toString(Micros.now()), valid ? "1" : "0", Long.toString(before));
            if (!valid) {
                break;
            }
            sleep(holdMillis);
            write(lock, s, token);
            if (i == 0 && afterFirstWrite != null) {
                afterFirstWrite.run();
            }
        }
        current = null;
        send("REL", name, s, Long.toString(Micros.now()));
        if (lease != null) {
            lease.release();
        }
    }

    private void closeClient() {
        Watched watched = current;
        if (watched != null) {
            send("CLOSE", name, Long.toString(watched.seq()), Long.toString(Micros.now()));
        }
        client.close();
    }

    /** One write to the fenced resource; the harness records its outcome. */
    private void write(String lock, String seq, long token) {
        send("W", name, seq, lock, Long.toString(token), Long.toString(Micros.now()));
        try {
            String reply = in.readLine();
            if (reply == null) {
                throw new IOException("the harness closed the connection");
            }
        } catch (IOException e) {
            die(e);
        }
    }

    /**
     * Polls {@code isValid()} of the lease in its section every few ms and reports the first false
     * ({@code INV}): when the holder could have known, at the latest, which the section's own
     * checks (every 100 ms) and the callback thread's {@code lost()} would only bound from above.
     */
    private void startValidityWatch() {
        Thread watch = new Thread(() -> {
            Watched reported = null;
            while (true) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
                Watched watched = current;
                if (watched != null && watched != reported && !watched.lease().isValid() && current == watched) {
                    send("INV", name, Long.toString(watched.seq()), Long.toString(Micros.now()));
                    reported = watched;
                }
            }
        }, "validity-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private void startStallWatch() {
        Thread watch = new Thread(() -> {
            long last = System.nanoTime();
            while (true) {
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
                long now = System.nanoTime();
                long gapMillis = TimeUnit.NANOSECONDS.toMillis(now - last);
                if (gapMillis >= STALL_MILLIS) {
                    long to = Micros.now();
                    send("STALL", name, Long.toString(to - gapMillis * 1000), Long.toString(to));
                }
                last = now;
            }
        }, "stall-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private void watchStdin() {
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the harness closes our input to stop us
                }
            } catch (IOException e) {
                // same as closed
            }
            stopping = true;
        }, "stdin-watch");
        stdin.setDaemon(true);
        stdin.start();
    }

    /** Sends one history line; the harness is the only reader, and losing it ends the worker. */
    private void send(String... fields) {
        String line = String.join("\t", fields) + "\n";
        synchronized (out) {
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                die(e);
            }
        }
    }

    private void die(IOException e) {
        System.err.println(name + ": lost the harness: " + e);
        Runtime.getRuntime().halt(3);
    }

    private static String oneLine(Throwable e) {
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        return message.replace('\t', ' ').replace('\n', ' ');
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
