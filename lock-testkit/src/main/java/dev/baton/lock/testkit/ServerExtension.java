package dev.baton.lock.testkit;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test server as a JUnit 5 extension, started for a class or for each test: registered with
 * {@code @RegisterExtension} on a static field it runs for the whole class, on an instance field
 * each test gets its own (for tests that stop, restart or kill it). What a test opens through
 * {@link #closeAfter} is closed before the server stops.
 *
 * @param <S> the server
 */
public abstract class ServerExtension<S> implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private final TestResources resources = new TestResources();
    private @Nullable S server;
    private boolean perTest;

    /** Starts the server and returns when it accepts clients. */
    protected abstract S startServer() throws Exception;

    /** Stops {@code running}. */
    protected abstract void stopServer(S running) throws Exception;

    @Override
    public final void beforeAll(ExtensionContext context) throws Exception {
        server = startServer();
    }

    @Override
    public final void beforeEach(ExtensionContext context) throws Exception {
        if (server == null) {
            perTest = true;
            server = startServer();
        }
        resources.beforeEach(context);
    }

    @Override
    public final void afterEach(ExtensionContext context) throws Exception {
        try {
            resources.afterEach(context);
        } finally {
            if (perTest) {
                stop();
            }
        }
    }

    @Override
    public final void afterAll(ExtensionContext context) throws Exception {
        try {
            resources.afterAll(context);
        } finally {
            stop();
        }
    }

    private void stop() throws Exception {
        S running = server;
        server = null;
        if (running != null) {
            stopServer(running);
        }
    }

    /**
     * The running server.
     *
     * @throws IllegalStateException outside the class or test it runs for
     */
    protected final S running() {
        S running = server;
        if (running == null) {
            throw new IllegalStateException(this + " runs only while its class or test does");
        }
        return running;
    }

    /** Closes {@code resource} after the current test (or after the class); returns it. */
    public final <T extends AutoCloseable> T closeAfter(T resource) {
        return resources.closeAfter(resource);
    }
}
