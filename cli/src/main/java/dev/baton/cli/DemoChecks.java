package dev.baton.cli;

import java.io.PrintWriter;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.curator.framework.CuratorFramework;

/** The demo's closing checks; each prints one line and counts toward the exit code. */
final class DemoChecks {

    private static final String TXN_ROOT = "/baton/txn";
    private static final String XA_DECISIONS = "/baton/xa/decisions";
    private static final long SETTLE_SECONDS = 45;

    private final DemoBanks banks;
    private final CuratorFramework inspector;
    private final PrintWriter out;

    DemoChecks(DemoBanks banks, CuratorFramework inspector, PrintWriter out) {
        this.banks = banks;
        this.inspector = inspector;
        this.out = out;
    }

    boolean verify(List<TransferStats> phases) throws SQLException, InterruptedException {
        out.println("Waiting for every transaction to end...");
        out.flush();
        // In doubt: a distributed transaction not yet collected, or a branch still prepared. An
        // in-process decision left once nothing is prepared is one a recovery finished and keeps
        // for its retention (5 minutes), so that a coordinator that lost its reply can learn it.
        long open = settle(() -> count(inspector, TXN_ROOT));
        long prepared = settle(() -> {
            try {
                return banks.preparedTransactions();
            } catch (SQLException e) {
                return -1;
            }
        });
        long total = banks.totalBalance();
        long regressions = phases.stream().mapToLong(p -> p.tokenRegressions.get()).sum();
        long checks = phases.stream().mapToLong(p -> p.tokenChecks.get()).sum();
        boolean ok = check(total == DemoBanks.expectedTotal(), "money is conserved: %,d across all banks (expected %,d)",
                total, DemoBanks.expectedTotal());
        ok &= check(open == 0, "no transaction in doubt: %d left open in ZooKeeper", open);
        ok &= check(prepared == 0, "no prepared transaction left in PostgreSQL: %d in pg_prepared_xacts", prepared);
        ok &= check(regressions == 0, "fencing tokens never went backwards: %d regression(s) in %,d grants",
                regressions, checks);
        return ok;
    }

    /**
     * Transactions still in ZooKeeper: distributed ones not yet collected, and in-process decisions
     * not yet deleted (each is deleted once every branch it names is committed).
     */
    static int openTransactions(CuratorFramework inspector) {
        int distributed = count(inspector, TXN_ROOT);
        int inProcess = count(inspector, XA_DECISIONS);
        return distributed < 0 || inProcess < 0 ? -1 : distributed + inProcess;
    }

    /** The transactions under {@code root}, or -1 if they cannot be read. */
    private static int count(CuratorFramework inspector, String root) {
        try {
            return inspector.checkExists().forPath(root) == null ? 0
                    : (int) inspector.getChildren().forPath(root).stream().filter(c -> c.startsWith("tx-")).count();
        } catch (Exception e) {
            return -1;
        }
    }

    private static long settle(LongSupplier count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SETTLE_SECONDS);
        long now = count.getAsLong();
        while (now != 0 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            now = count.getAsLong();
        }
        return now;
    }

    private boolean check(boolean passed, String format, Object... args) {
        out.printf("  %s " + format + "%n", prepend(passed ? "PASS" : "FAIL", args));
        out.flush();
        return passed;
    }

    private static Object[] prepend(Object first, Object[] rest) {
        Object[] all = new Object[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }
}
