package dev.baton.jta;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The PostgreSQL server of {@link Bank}'s two databases, for a whole test class: register it with
 * {@code @RegisterExtension} on a static field. Started with the databases reset before the first
 * test, stopped after the last.
 */
final class BankServer implements BeforeAllCallback, AfterAllCallback {

    private EmbeddedPostgres server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = Bank.startServer();
        Bank.reset(server.getPort());
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
        }
    }

    /** The server's port on loopback. */
    int port() {
        if (server == null) {
            throw new IllegalStateException("the bank server runs only during the test class");
        }
        return server.getPort();
    }
}
