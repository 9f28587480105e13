package dev.baton.soak;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The run's history: every line from workers, resource and nemesis, in arrival order, kept in
 * memory for the checker and written to {@code history.log} as it comes (so a run that dies still
 * leaves its evidence). It also follows, live, what the nemesis needs: who holds a lock now, which
 * workers are ready, and the latest grant.
 *
 * <p>Thread-safe.
 */
final class History implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();
    private final BufferedWriter file;
    private final Map<String, Set<String>> holding = new HashMap<>();
    private final Set<String> ready = new HashSet<>();
    /** 2PC: the worker that began each transaction, and what its caller was told (absent until then). */
    private final Map<String, String> txnWorker = new HashMap<>();
    private final Map<String, String> txnOutcome = new HashMap<>();
    private long latestGrant;

    History(Path file) {
        try {
            Files.createDirectories(file.getParent());
            this.file = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Records one line (fields joined by tabs). */
    void add(String... fields) {
        addLine(String.join("\t", fields));
    }

    synchronized void addLine(String line) {
        lines.add(line);
        try {
            file.write(line);
            file.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        follow(line.split("\t", -1));
    }

    private void follow(String[] f) {
        switch (f[0]) {
            case "READY" -> ready.add(f[1]);
            case "ACQ" -> {
                if (Long.parseLong(f[6]) >= 0) {
                    holding.computeIfAbsent(f[1], w -> new HashSet<>()).add(f[3]);
                    latestGrant = Math.max(latestGrant, Long.parseLong(f[5]));
                }
            }
            case "REL", "LOST", "INV" -> holding.getOrDefault(f[1], new HashSet<>()).remove(f[2]);
            case "CHK" -> {
                if ("0".equals(f[4])) {
                    holding.getOrDefault(f[1], new HashSet<>()).remove(f[2]);
                }
            }
            // A transfer in progress counts as holding (the nemesis strikes a worker in a transaction),
            // and a committed transfer as a grant (progress after a fault).
            case "TXB" -> {
                holding.computeIfAbsent(f[1], w -> new HashSet<>()).add(f[2]);
                txnWorker.put(f[2], f[1]);
            }
            case "TXO" -> {
                holding.getOrDefault(f[1], new HashSet<>()).remove(f[2]);
                txnOutcome.put(f[2], f[5]);
                if ("COMMITTED".equals(f[5])) {
                    latestGrant = Math.max(latestGrant, Long.parseLong(f[4]));
                }
            }
            default -> {
                // nothing live to follow
            }
        }
    }

    /** Workers holding a lock now, as far as their reports tell. */
    synchronized Set<String> holders() {
        Set<String> holders = new HashSet<>();
        holding.forEach((worker, seqs) -> {
            if (!seqs.isEmpty()) {
                holders.add(worker);
            }
        });
        return holders;
    }

    /** Forgets what a killed worker held. */
    synchronized void forget(String worker) {
        holding.remove(worker);
    }

    synchronized boolean ready(String worker) {
        return ready.contains(worker);
    }

    /** 2PC: the worker that began {@code txnId}, if any did. */
    synchronized @org.jspecify.annotations.Nullable String workerOf(String txnId) {
        return txnWorker.get(txnId);
    }

    /** 2PC: what the caller of {@code txnId} was told ({@code COMMITTED}, ...), if anything yet. */
    synchronized @org.jspecify.annotations.Nullable String outcomeOf(String txnId) {
        return txnOutcome.get(txnId);
    }

    /** The return time (µs) of the latest grant so far (2PC: of the latest commit). */
    synchronized long latestGrant() {
        return latestGrant;
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public synchronized void close() {
        try {
            file.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
