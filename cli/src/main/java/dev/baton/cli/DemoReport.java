package dev.baton.cli;

import java.io.PrintWriter;
import java.util.List;

/** The demo's summary table. */
final class DemoReport {

    private DemoReport() {
    }

    static void print(PrintWriter out, List<TransferStats> phases) {
        out.println();
        out.printf("%-10s %9s %7s %6s %8s %9s %9s %12s %9s %11s%n", "locks", "committed", "aborted", "failed",
                "lock t/o", "2PC p50", "2PC p99", "acquisitions", "handoffs", "leases lost");
        for (TransferStats s : phases) {
            out.printf("%-10s %9d %7d %6d %8d %7.1fms %7.1fms %12d %9d %11d%n", s.backend, s.committed.get(),
                    s.aborted.get(), s.failed.get(), s.lockTimeouts.get(), s.commitPercentileMillis(0.5),
                    s.commitPercentileMillis(0.99), s.acquisitions.get(), s.handoffs.get(), s.leasesLost.get());
        }
        int gaveUp = phases.stream().mapToInt(p -> p.gaveUp.get()).sum();
        if (gaveUp > 0) {
            out.printf("note: %d client(s) stopped waiting for an outcome after 15 s (counted as failed)%n", gaveUp);
        }
        out.println("aborted: a bank refused (insufficient funds) or the deadline passed; failed: the client saw an");
        out.println("error (its coordinator was killed, or ZooKeeper was electing) and ZooKeeper decided the outcome.");
        out.println();
    }
}
