package dev.baton.cli;

import dev.baton.txn.participant.Branch;
import dev.baton.txn.Vote;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.postgresql.xa.PGXADataSource;

/**
 * Three bank databases on one PostgreSQL server. A branch's payload is {@code account:delta}; the
 * work refuses (votes NO) rather than let a balance go negative.
 */
final class DemoBanks {

    static final List<String> BANKS = List.of("bank_a", "bank_b", "bank_c");
    static final int ACCOUNTS = 20;
    static final long OPENING_BALANCE = 1_000;

    private final EmbeddedPostgres postgres;

    DemoBanks(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    void create() throws SQLException {
        try (Connection c = postgres.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            for (String bank : BANKS) {
                s.execute("CREATE DATABASE " + bank);
            }
        }
        for (String bank : BANKS) {
            try (Connection c = connect(bank); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0))");
                s.execute("INSERT INTO accounts SELECT g, " + OPENING_BALANCE + " FROM generate_series(1, " + ACCOUNTS + ") g");
            }
        }
    }

    PGXADataSource dataSource(String bank) {
        PGXADataSource ds = new PGXADataSource();
        ds.setUrl(url(bank));
        return ds;
    }

    static Vote transfer(Connection connection, Branch branch) throws SQLException {
        return transfer(connection, new String(branch.payload(), StandardCharsets.UTF_8));
    }

    /** Applies {@code account:delta} on {@code connection}: YES, or NO if the account would go below zero. */
    static Vote transfer(Connection connection, String payload) throws SQLException {
        String[] parts = payload.split(":");
        int account = Integer.parseInt(parts[0]);
        long delta = Long.parseLong(parts[1]);
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE accounts SET balance = balance + ? WHERE id = ? AND balance + ? >= 0")) {
            update.setLong(1, delta);
            update.setInt(2, account);
            update.setLong(3, delta);
            return update.executeUpdate() == 1 ? Vote.yes() : Vote.no("insufficient funds in account " + account);
        }
    }

    long totalBalance() throws SQLException {
        long total = 0;
        for (String bank : BANKS) {
            total += single(bank, "SELECT COALESCE(SUM(balance), 0) FROM accounts");
        }
        return total;
    }

    long preparedTransactions() throws SQLException {
        return single("postgres", "SELECT COUNT(*) FROM pg_prepared_xacts");
    }

    static long expectedTotal() {
        return BANKS.size() * ACCOUNTS * OPENING_BALANCE;
    }

    private long single(String database, String sql) throws SQLException {
        try (Connection c = connect(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(url(database));
    }

    private String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database + "?user=postgres";
    }
}
