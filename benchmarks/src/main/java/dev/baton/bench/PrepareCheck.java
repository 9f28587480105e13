package dev.baton.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;

/**
 * Proof that a contestant prepared before it committed. Before the first second-phase commit of
 * one transaction in every {@code sampleEvery}, it asks each PostgreSQL server, on a plain
 * connection of its own, which prepared transactions ({@code pg_prepared_xacts}) belong to the
 * transaction's global id: a transfer passes when each server holds exactly one, its branch.
 * The transaction's other commit waits for the lookup, since a coordinator may commit the two
 * branches from two threads at once (Baton's hosts do).
 *
 * <p>The lookup runs inside the timed commit; measured runs sample a few hundredths of their
 * transactions so that it stays out of the medians. Thread-safe.
 */
final class PrepareCheck implements AutoCloseable {

    private final XaCounts counts;
    private final List<String> serverUrls;
    private final int sampleEvery;
    private final AtomicLong firstCommits = new AtomicLong();
    /** Transactions whose first commit has arrived and whose second has not, by gid prefix. */
    private final ConcurrentMap<String, CompletableFuture<Void>> firstCommitted = new ConcurrentHashMap<>();
    private final List<Connection> lookups = new ArrayList<>();

    /**
     * @param serverUrls a plain JDBC URL on each server that holds a branch
     * @param sampleEvery look up one transaction in this many
     */
    PrepareCheck(XaCounts counts, List<String> serverUrls, int sampleEvery) {
        this.counts = counts;
        this.serverUrls = List.copyOf(serverUrls);
        this.sampleEvery = sampleEvery;
    }

    XaCounts counts() {
        return counts;
    }

    /** Called by a branch's XAResource before it delegates {@code commit(xid, false)}. */
    void beforeCommit(Xid xid) throws XAException {
        String prefix = xid.getFormatId() + "_" + Base64.getEncoder().encodeToString(xid.getGlobalTransactionId()) + "_";
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> earlier = firstCommitted.putIfAbsent(prefix, mine);
        if (earlier != null) {
            firstCommitted.remove(prefix, earlier);
            try {
                earlier.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw failure("the lookup before the first commit did not finish", e);
            }
            return;
        }
        try {
            if (firstCommits.incrementAndGet() % sampleEvery == 1 % sampleEvery) {
                counts.sample(prefix, eachServerHoldsOneBranch(prefix));
            }
        } catch (SQLException e) {
            throw failure("cannot read pg_prepared_xacts", e);
        } finally {
            mine.complete(null);
        }
    }

    private synchronized boolean eachServerHoldsOneBranch(String gidPrefix) throws SQLException {
        if (lookups.isEmpty()) {
            for (String url : serverUrls) {
                lookups.add(DriverManager.getConnection(url));
            }
        }
        for (Connection lookup : lookups) {
            try (PreparedStatement query = lookup.prepareStatement(
                    "SELECT count(*) FROM pg_prepared_xacts WHERE starts_with(gid, ?)")) {
                query.setString(1, gidPrefix);
                try (ResultSet found = query.executeQuery()) {
                    found.next();
                    if (found.getInt(1) != 1) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static XAException failure(String message, Exception cause) {
        XAException failure = new XAException(message + ": " + cause);
        failure.errorCode = XAException.XAER_RMFAIL;
        failure.initCause(cause);
        return failure;
    }

    /** Closes the lookup connections. */
    @Override
    public synchronized void close() throws SQLException {
        SQLException first = null;
        for (Connection lookup : lookups) {
            try {
                lookup.close();
            } catch (SQLException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        lookups.clear();
        if (first != null) {
            throw first;
        }
    }
}
