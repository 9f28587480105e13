package dev.baton.txn;

import dev.baton.txn.participant.Branch;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import org.postgresql.xa.PGXADataSource;

/**
 * Two bank databases on one embedded PostgreSQL server (with prepared transactions enabled), and
 * the XA work of a transfer: a branch's payload is {@code account:delta}; the work refuses
 * (votes NO) rather than let a balance go negative, and records the transfer under the transaction
 * id so that tests can tell which transactions committed where.
 */
final class Bank {

    static final String[] DATABASES = {"bank_a", "bank_b"};
    static final int ACCOUNTS = 10;
    static final long OPENING_BALANCE = 1000;

    private Bank() {
    }

    static EmbeddedPostgres startServer() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("max_prepared_transactions", "64")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .start();
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                for (String db : DATABASES) {
                    s.execute("CREATE DATABASE " + db);
                }
            }
            return pg;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String url(int port, String db) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + db + "?user=postgres";
    }

    /** Fresh tables with every account at the opening balance; rolls back any prepared transaction. */
    static void reset(int port) throws SQLException {
        reset(port, ACCOUNTS);
    }

    /** {@link #reset(int)} with {@code accounts} accounts in each database. */
    static void reset(int port, int accounts) throws SQLException {
        for (String db : DATABASES) {
            try (Connection c = DriverManager.getConnection(url(port, db)); Statement s = c.createStatement()) {
                for (String gid : preparedGids(c)) {
                    s.execute("ROLLBACK PREPARED '" + gid + "'");
                }
                s.execute("DROP TABLE IF EXISTS accounts, transfers");
                s.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
                s.execute("CREATE TABLE transfers (txn_id text PRIMARY KEY, account int NOT NULL, delta bigint NOT NULL)");
                s.execute("INSERT INTO accounts SELECT g, " + OPENING_BALANCE + " FROM generate_series(1, " + accounts + ") g");
            }
        }
    }

    static PGXADataSource dataSource(int port, String db) {
        PGXADataSource ds = new PGXADataSource();
        ds.setUrl(url(port, db));
        return ds;
    }

    /** The transfer work: apply {@code delta} to {@code account} unless it would go negative. */
    static Vote transfer(Connection connection, Branch branch) throws SQLException {
        String[] parts = new String(branch.payload(), StandardCharsets.UTF_8).split(":");
        int account = Integer.parseInt(parts[0]);
        long delta = Long.parseLong(parts[1]);
        return apply(connection, branch.txnId(), account, delta) ? Vote.yes()
                : Vote.no("insufficient funds in account " + account);
    }

    /** Applies {@code delta} to {@code account} and records it under {@code txnId}; false if it would go negative. */
    static boolean apply(Connection connection, String txnId, int account, long delta) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute("SET LOCAL lock_timeout = '2s'");
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE accounts SET balance = balance + ? WHERE id = ? AND balance + ? >= 0")) {
            update.setLong(1, delta);
            update.setInt(2, account);
            update.setLong(3, delta);
            if (update.executeUpdate() == 0) {
                return false;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO transfers (txn_id, account, delta) VALUES (?, ?, ?)")) {
            insert.setString(1, txnId);
            insert.setInt(2, account);
            insert.setLong(3, delta);
            insert.executeUpdate();
        }
        return true;
    }

    static long total(int port) throws SQLException {
        long sum = 0;
        for (String db : DATABASES) {
            try (Connection c = DriverManager.getConnection(url(port, db)); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT coalesce(sum(balance), 0) FROM accounts")) {
                rs.next();
                sum += rs.getLong(1);
            }
        }
        return sum;
    }

    static long balance(int port, String db, int account) throws SQLException {
        try (Connection c = DriverManager.getConnection(url(port, db));
                PreparedStatement s = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
            s.setInt(1, account);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The transactions whose transfer committed in {@code db}. */
    static Set<String> transfers(int port, String db) throws SQLException {
        Set<String> ids = new HashSet<>();
        try (Connection c = DriverManager.getConnection(url(port, db)); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT txn_id FROM transfers")) {
            while (rs.next()) {
                ids.add(rs.getString(1));
            }
        }
        return ids;
    }

    private static Set<String> preparedGids(Connection c) throws SQLException {
        Set<String> gids = new HashSet<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()")) {
            while (rs.next()) {
                gids.add(rs.getString(1));
            }
        }
        return gids;
    }

    /** Every prepared transaction in the server, in any database. */
    static Set<String> prepared(int port) throws SQLException {
        Set<String> gids = new HashSet<>();
        try (Connection c = DriverManager.getConnection(url(port, DATABASES[0])); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT gid FROM pg_prepared_xacts")) {
            while (rs.next()) {
                gids.add(rs.getString(1));
            }
        }
        return gids;
    }
}
