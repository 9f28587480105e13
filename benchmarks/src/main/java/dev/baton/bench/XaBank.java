package dev.baton.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.postgresql.xa.PGXADataSource;

/**
 * The bank of the XA transfer group: two PostgreSQL servers, each with one database {@code bank}
 * of {@value #ACCOUNTS} accounts, durable as in production ({@code fsync=on},
 * {@code synchronous_commit=on}; the zonky launcher's own default is {@code synchronous_commit=off}),
 * and the SQL of one transfer's two branches.
 *
 * <p>A transfer debits an account on server A and credits one on server B, and records itself in
 * each database's {@code transfers} table under its id. Each caller of a run draws its accounts
 * from its own residue class modulo the number of callers, so concurrent transfers of one
 * contestant never touch the same row. A lock wait would still be bounded by the databases'
 * {@code lock_timeout}, since a wait across two servers is no deadlock either can see.
 */
final class XaBank implements AutoCloseable {

    static final int ACCOUNTS = 100_000;
    static final long OPENING_BALANCE = 1_000_000_000L;
    static final String DATABASE = "bank";
    /** The server settings every contestant runs against. */
    static final Map<String, String> SETTINGS = settings();

    private final List<EmbeddedPostgres> servers = new ArrayList<>();

    private static Map<String, String> settings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("fsync", "on");
        settings.put("synchronous_commit", "on");
        settings.put("full_page_writes", "on");
        settings.put("max_prepared_transactions", "100");
        settings.put("max_connections", "300");
        return Map.copyOf(settings);
    }

    /** Starts the two servers and creates the accounts; checks the settings took. */
    static XaBank start() throws IOException, SQLException {
        XaBank bank = new XaBank();
        try {
            for (int i = 0; i < 2; i++) {
                EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
                SETTINGS.forEach(builder::setServerConfig);
                bank.servers.add(builder.start());
            }
            for (int i = 0; i < 2; i++) {
                bank.create(i);
            }
            return bank;
        } catch (IOException | SQLException | RuntimeException e) {
            bank.close();
            throw e;
        }
    }

    private void create(int server) throws SQLException {
        try (Connection c = servers.get(server).getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            for (Map.Entry<String, String> setting : SETTINGS.entrySet()) {
                try (ResultSet shown = s.executeQuery("SHOW " + setting.getKey())) {
                    shown.next();
                    if (!shown.getString(1).equals(setting.getValue())) {
                        throw new IllegalStateException("PostgreSQL " + server + " runs with " + setting.getKey() + "="
                                + shown.getString(1) + ", not " + setting.getValue());
                    }
                }
            }
            s.execute("CREATE DATABASE " + DATABASE);
            s.execute("ALTER DATABASE " + DATABASE + " SET lock_timeout = '5s'");
        }
        try (Connection c = DriverManager.getConnection(url(server)); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance bigint NOT NULL)");
            s.execute("CREATE TABLE transfers (id text PRIMARY KEY, account int NOT NULL, delta bigint NOT NULL)");
            s.execute("INSERT INTO accounts SELECT g, " + OPENING_BALANCE + " FROM generate_series(1, " + ACCOUNTS + ") g");
            s.execute("VACUUM ANALYZE accounts");
        }
    }

    /** The two servers' postmaster pids, for {@link CpuMeter}. */
    List<Long> postmasters() throws SQLException, IOException {
        List<Long> pids = new ArrayList<>();
        for (int server = 0; server < servers.size(); server++) {
            try (Connection c = DriverManager.getConnection(url(server)); Statement s = c.createStatement();
                    ResultSet shown = s.executeQuery("SHOW data_directory")) {
                shown.next();
                pids.add(CpuMeter.postmasterPid(Path.of(shown.getString(1))));
            }
        }
        return pids;
    }

    /** A plain JDBC URL of the bank database on server 0 (A) or 1 (B). */
    String url(int server) {
        return "jdbc:postgresql://127.0.0.1:" + servers.get(server).getPort() + "/" + DATABASE + "?user=postgres";
    }

    /** The driver's XA data source for server 0 (A) or 1 (B). */
    PGXADataSource xaDataSource(int server) {
        PGXADataSource source = new PGXADataSource();
        source.setUrl(url(server));
        return source;
    }

    /** One transfer: its id, the account debited on A, the account credited on B, the amount. */
    record Transfer(String id, int from, int to, long amount) {

        /** A transfer for caller {@code caller} of {@code callers}, on accounts no other caller draws. */
        static Transfer draw(String id, int caller, int callers) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int slots = ACCOUNTS / callers;
            return new Transfer(id, 1 + caller + callers * random.nextInt(slots), 1 + caller + callers * random.nextInt(slots),
                    1 + random.nextInt(100));
        }

        /** As a Baton branch payload: {@code id:account:delta}. */
        byte[] payload(int server) {
            return (id + ":" + (server == 0 ? from : to) + ":" + (server == 0 ? -amount : amount))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    /**
     * The work of one branch: applies {@code delta} to {@code account} unless the balance would go
     * negative, and records the transfer.
     *
     * @return false if the account had too little (never, at these balances)
     */
    static boolean apply(Connection connection, String id, int account, long delta) throws SQLException {
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE accounts SET balance = balance + ? WHERE id = ? AND balance + ? >= 0")) {
            update.setLong(1, delta);
            update.setInt(2, account);
            update.setLong(3, delta);
            if (update.executeUpdate() != 1) {
                return false;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO transfers (id, account, delta) VALUES (?, ?, ?)")) {
            insert.setString(1, id);
            insert.setInt(2, account);
            insert.setLong(3, delta);
            insert.executeUpdate();
        }
        return true;
    }

    /**
     * Checks what every contestant together left behind: no prepared transaction, the money
     * conserved across the two servers, and every transfer recorded on both or neither.
     *
     * @return a line saying what was checked
     * @throws IllegalStateException if any of that does not hold
     */
    String audit() throws SQLException {
        long total = 0;
        long[] recorded = new long[2];
        for (int server = 0; server < 2; server++) {
            try (Connection c = DriverManager.getConnection(url(server)); Statement s = c.createStatement()) {
                try (ResultSet prepared = s.executeQuery("SELECT count(*) FROM pg_prepared_xacts")) {
                    prepared.next();
                    if (prepared.getLong(1) != 0) {
                        throw new IllegalStateException(prepared.getLong(1) + " transactions are still prepared on server " + server);
                    }
                }
                try (ResultSet sum = s.executeQuery("SELECT sum(balance), (SELECT count(*) FROM transfers) FROM accounts")) {
                    sum.next();
                    total += sum.getLong(1);
                    recorded[server] = sum.getLong(2);
                }
            }
        }
        long opening = 2L * ACCOUNTS * OPENING_BALANCE;
        if (total != opening || recorded[0] != recorded[1]) {
            throw new IllegalStateException("the bank does not balance: " + total + " in all (opened with " + opening
                    + "), " + recorded[0] + " transfers recorded on A and " + recorded[1] + " on B");
        }
        return recorded[0] + " transfers recorded on both servers, the money conserved, no transaction left prepared";
    }

    /** Stops both servers and deletes their data. */
    @Override
    public void close() {
        for (EmbeddedPostgres server : servers) {
            try {
                server.close();
            } catch (IOException | RuntimeException e) {
                // shutting down: nothing useful to do with it
            }
        }
        servers.clear();
    }
}
