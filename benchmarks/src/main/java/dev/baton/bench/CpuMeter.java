package dev.baton.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * CPU time spent, split three ways: this JVM less its ZooKeeper server threads, the ZooKeeper
 * server threads (the benchmark runs its servers in this JVM), and the PostgreSQL processes (each
 * postmaster, its live children, and the children it has reaped); and of the JVM's share, what its
 * own runtime spent (the JIT compilers and the garbage collector), which a short round of a code
 * path the JVM has not compiled yet can be dominated by. CPU time, unlike a rate, counts
 * only while a thread runs, so it says what a transfer costs even on a machine that is busy with
 * something else; it is what decides throughput once the cores are saturated.
 *
 * <p>Linux only ({@code /proc}); elsewhere the PostgreSQL share reads as zero. ZooKeeper's threads
 * are told by name; a thread that ended between two samples loses its share to the JVM's.
 */
final class CpuMeter {

    /** One reading, in nanoseconds of CPU since some fixed moment. */
    record Reading(long jvm, long zooKeeperServer, long postgres, long jit, long gc, long switches) {

        /** What was spent between {@code earlier} and this reading. */
        Reading since(Reading earlier) {
            return new Reading(jvm - earlier.jvm, zooKeeperServer - earlier.zooKeeperServer, postgres - earlier.postgres,
                    jit - earlier.jit, gc - earlier.gc, switches - earlier.switches);
        }

        /** Each counter divided by {@code n}: per transfer. */
        Reading per(long n) {
            return new Reading(jvm / n, zooKeeperServer / n, postgres / n, jit / n, gc / n, switches / n);
        }

        /** This JVM's CPU less its ZooKeeper server threads': callers, transaction manager, pools, drivers, clients. */
        long jvmLessZooKeeper() {
            return jvm - zooKeeperServer;
        }
    }

    /** Thread-name prefixes of ZooKeeper 3.9's server, standalone and quorum. */
    private static final List<String> ZOOKEEPER_SERVER_THREADS = List.of("SyncThread", "ProcessThread",
            "NIOServerCxnFactory", "NIOWorkerThread", "RequestThrottler", "SessionTracker", "CommitProcessor",
            "CommitProcWorkThread", "QuorumPeer", "LearnerHandler", "LearnerCnxAcceptor", "FollowerRequestProcessor",
            "LearnerSender", "QuorumConnectionThread", "RecvWorker", "SendWorker", "WorkerReceiver", "WorkerSender",
            "ListenerHandler", "LeaderConnector", "PurgeTask", "ConnnectionExpirer", "ConnectionExpirer");

    /** Name prefixes ({@code /proc} comm, 15 characters at most) of HotSpot's compiler threads. */
    private static final List<String> JIT_THREADS = List.of("C1 CompilerThre", "C2 CompilerThre", "Sweeper thread");
    /** ... and of its collector's (G1's, and the VM thread that runs its pauses). */
    private static final List<String> GC_THREADS = List.of("GC Thread", "G1 ", "VM Thread");

    private static final long NANOS_PER_TICK = TimeUnit.SECONDS.toNanos(1) / clockTicks();

    private final List<Long> postmasters;
    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    /** A meter over this JVM and the PostgreSQL servers whose postmasters have these pids. */
    CpuMeter(List<Long> postmasters) {
        this.postmasters = List.copyOf(postmasters);
    }

    /** Reads the three counters now. */
    Reading read() {
        long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long zooKeeper = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && isZooKeeperServer(info.getThreadName())) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                zooKeeper += Math.max(0, cpu);
            }
        }
        long[] runtime = jitGcAndSwitches();
        return new Reading(jvm, zooKeeper, postgres(), runtime[0], runtime[1], runtime[2]);
    }

    static boolean isJit(String comm) {
        return JIT_THREADS.stream().anyMatch(comm::startsWith);
    }

    static boolean isGc(String comm) {
        return GC_THREADS.stream().anyMatch(comm::startsWith);
    }

    /**
     * CPU of this JVM's compiler threads and of its collector threads, from {@code /proc/self/task}
     * (they are no Java threads), and the voluntary context switches of its threads other than the
     * ZooKeeper server's: each is a thread that went to sleep (to wait for a lock, a queue, a
     * socket), so about as many wake-ups of one thread by another, or by I/O. A thread that ends
     * between two readings takes its switches with it (the kernel keeps no per-process total
     * that {@code /proc} shows), so a difference counts only threads alive at both.
     */
    private static long[] jitGcAndSwitches() {
        long jit = 0;
        long gc = 0;
        long switches = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                String line;
                try {
                    line = Files.readString(task.resolve("stat"), StandardCharsets.US_ASCII);
                } catch (IOException e) {
                    continue; // ended meanwhile
                }
                String comm = line.substring(line.indexOf('(') + 1, line.lastIndexOf(')'));
                if (!isZooKeeperServerComm(comm)) {
                    switches += voluntarySwitches(task);
                }
                if (isJit(comm) || isGc(comm)) {
                    long[] fields = parseStat(line);
                    long ticks = fields[1] + fields[2];
                    if (isJit(comm)) {
                        jit += ticks;
                    } else {
                        gc += ticks;
                    }
                }
            }
        } catch (IOException e) {
            return new long[3];
        }
        return new long[] {jit * NANOS_PER_TICK, gc * NANOS_PER_TICK, switches};
    }

    /** {@code voluntary_ctxt_switches} of one task; 0 if it ended meanwhile. */
    private static long voluntarySwitches(Path task) {
        try {
            for (String line : Files.readAllLines(task.resolve("status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("voluntary_ctxt_switches:")) {
                    return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** As {@link #isZooKeeperServer}, for a {@code /proc} comm: the name cut to 15 characters. */
    static boolean isZooKeeperServerComm(String comm) {
        return isZooKeeperServer(comm) || comm.length() >= 15
                && ZOOKEEPER_SERVER_THREADS.stream().anyMatch(prefix -> prefix.startsWith(comm));
    }

    static boolean isZooKeeperServer(String threadName) {
        for (String prefix : ZOOKEEPER_SERVER_THREADS) {
            if (threadName.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private long postgres() {
        long ticks = 0;
        for (long postmaster : postmasters) {
            long[] own = stat(Path.of("/proc", Long.toString(postmaster), "stat"));
            if (own != null) {
                ticks += own[1] + own[2] + own[3] + own[4];
            }
        }
        // One pass over /proc for the children of every postmaster.
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                long[] child = stat(process.resolve("stat"));
                if (child != null && postmasters.contains(child[0])) {
                    ticks += child[1] + child[2];
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks * NANOS_PER_TICK;
    }

    /** Parent pid, utime, stime, cutime, cstime (ticks) from a {@code /proc/<pid>/stat}; null if gone. */
    static long[] stat(Path file) {
        String line;
        try {
            line = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            return null;
        }
        return parseStat(line);
    }

    /** As {@link #stat}, from the file's text: fields counted after the command name's closing parenthesis. */
    static long[] parseStat(String line) {
        String[] fields = line.substring(line.lastIndexOf(')') + 2).trim().split(" ");
        // fields[0] is field 3 (state): ppid is field 4, utime..cstime fields 14..17.
        return new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[11]), Long.parseLong(fields[12]),
            Long.parseLong(fields[13]), Long.parseLong(fields[14])};
    }

    /** The postmaster's pid: the first line of {@code postmaster.pid} in its data directory. */
    static long postmasterPid(Path dataDirectory) throws IOException {
        return Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid"), StandardCharsets.US_ASCII)
                .get(0).trim());
    }

    private static long clockTicks() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            return getconf.waitFor() == 0 ? Long.parseLong(out) : 100;
        } catch (IOException | RuntimeException e) {
            return 100;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 100;
        }
    }
}
