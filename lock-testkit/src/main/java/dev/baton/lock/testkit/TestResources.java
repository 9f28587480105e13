package dev.baton.lock.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a test class opened, at the right time: a resource opened during a test is closed
 * right after it (after the class's own {@code @AfterEach} methods), one opened outside a test (in
 * {@code @BeforeAll}) after the whole class, newest first. Failures to close are collected and
 * reported together, after everything was tried.
 *
 * <p>Register it with {@code @RegisterExtension}, or let a server fixture hold one.
 *
 * <p>Thread safety: {@link #closeAfter} may be called from any thread.
 */
public final class TestResources implements BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    private final List<AutoCloseable> perClass = new ArrayList<>();
    private final List<AutoCloseable> perTest = new ArrayList<>();
    private boolean inTest;

    /**
     * Closes {@code resource} after the current test, or after the class if no test is running.
     *
     * @return {@code resource}
     */
    public synchronized <T extends AutoCloseable> T closeAfter(T resource) {
        Objects.requireNonNull(resource, "resource");
        (inTest ? perTest : perClass).add(resource);
        return resource;
    }

    @Override
    public synchronized void beforeEach(ExtensionContext context) {
        inTest = true;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        List<AutoCloseable> closing;
        synchronized (this) {
            inTest = false;
            closing = new ArrayList<>(perTest);
            perTest.clear();
        }
        closeAll(closing);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        List<AutoCloseable> closing;
        synchronized (this) {
            closing = new ArrayList<>(perClass);
            perClass.clear();
        }
        closeAll(closing);
    }

    /** Closes {@code resources} newest first; throws the first failure with the others suppressed. */
    static void closeAll(List<? extends AutoCloseable> resources) throws Exception {
        Exception failure = null;
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
