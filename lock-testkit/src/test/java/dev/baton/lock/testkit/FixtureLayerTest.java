package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The fixture layer's own rules, driven by hand (the extension callbacks take no context they
 * read): what a test opens is closed after it, newest first, what a class opens after the class;
 * proxies of a client are cut and restored together and closed after each test.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class FixtureLayerTest {

    private static final ExtensionContext NO_CONTEXT = null;

    @Test
    void resourcesOpenedInATestCloseAfterItNewestFirstAndClassResourcesAfterTheClass() throws Exception {
        List<String> closed = new ArrayList<>();
        TestResources resources = new TestResources();
        resources.closeAfter(() -> closed.add("class"));
        resources.beforeEach(NO_CONTEXT);
        resources.closeAfter(() -> closed.add("first"));
        resources.closeAfter(() -> closed.add("second"));

        resources.afterEach(NO_CONTEXT);
        assertThat(closed).containsExactly("second", "first");
        resources.afterAll(NO_CONTEXT);
        assertThat(closed).containsExactly("second", "first", "class");
    }

    @Test
    void everyResourceIsClosedEvenWhenOneFailsAndTheFailuresAreReportedTogether() {
        List<String> closed = new ArrayList<>();
        TestResources resources = new TestResources();
        resources.beforeEach(NO_CONTEXT);
        resources.closeAfter(() -> closed.add("survivor"));
        resources.closeAfter(() -> {
            throw new IllegalStateException("first failure");
        });
        resources.closeAfter(() -> {
            throw new IllegalStateException("second failure");
        });

        assertThatThrownBy(() -> resources.afterEach(NO_CONTEXT)).hasMessage("second failure")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage)
                        .containsExactly("first failure"));
        assertThat(closed).containsExactly("survivor");
    }

    @Test
    void aClientsProxiesAreCutAndRestoredTogetherAndClosedAfterTheTest() throws Exception {
        ProxiedClients proxied = new ProxiedClients();
        try (EchoServer one = new EchoServer(); EchoServer two = new EchoServer()) {
            Object client = proxied.open(List.of(one.address(), two.address()), proxies -> "client on "
                    + proxies.get(0).port() + "," + proxies.get(1).port());
            List<TcpProxy> proxies = proxied.of(client);
            assertThat(proxies).hasSize(2).allMatch(FixtureLayerTest::echoes);

            proxied.cut(client);
            assertThat(proxies).noneMatch(FixtureLayerTest::echoes);
            proxied.restore(client);
            assertThat(proxies).allMatch(FixtureLayerTest::echoes);

            proxied.afterEach(NO_CONTEXT);
            assertThatThrownBy(() -> proxied.of(client)).isInstanceOf(IllegalArgumentException.class);
            assertThat(proxies).noneMatch(FixtureLayerTest::echoes);
        }
    }

    @Test
    void aClientThatFailsToOpenLeavesNoProxyRunning() throws Exception {
        ProxiedClients proxied = new ProxiedClients();
        List<TcpProxy> seen = new ArrayList<>();
        try (EchoServer server = new EchoServer()) {
            assertThatThrownBy(() -> proxied.open(List.of(server.address()), proxies -> {
                seen.addAll(proxies);
                throw new IllegalStateException("cannot connect");
            })).hasMessage("cannot connect");
        }
        assertThat(seen).singleElement().satisfies(proxy -> assertThat(echoes(proxy)).isFalse());
    }

    /** Whether a byte sent through {@code proxy} comes back. */
    private static boolean echoes(TcpProxy proxy) {
        try (Socket socket = new Socket()) {
            socket.connect(proxy.address(), 2_000);
            socket.setSoTimeout((int) Timing.scaledMillis(2_000));
            socket.getOutputStream().write(42);
            return socket.getInputStream().read() == 42;
        } catch (IOException e) {
            return false;
        }
    }
}
