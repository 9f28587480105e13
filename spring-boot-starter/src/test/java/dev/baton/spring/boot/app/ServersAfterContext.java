package dev.baton.spring.boot.app;

import java.util.ArrayDeque;
import java.util.Deque;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes the test's servers after Spring has closed the application context (declare it before
 * {@code @SpringBootTest}, with {@code @DirtiesContext}: extensions end in reverse order), so that
 * the application's clients close against live servers.
 */
final class ServersAfterContext implements AfterAllCallback {

    private static final Deque<AutoCloseable> SERVERS = new ArrayDeque<>();

    static synchronized <T extends AutoCloseable> T closeLast(T server) {
        SERVERS.push(server);
        return server;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        synchronized (ServersAfterContext.class) {
            while (!SERVERS.isEmpty()) {
                SERVERS.pop().close();
            }
        }
    }
}
