package dev.baton.lock.testkit;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Clients that reach their servers through {@link TcpProxy}s of their own, so that a test can cut
 * one client off while the others keep talking: the hooks {@link LockContractTest#cutConnection}
 * and {@link LockContractTest#restoreConnection} of every backend.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ProxiedClients PROXIED = new ProxiedClients();
 *
 * protected LockClient newClient() {
 *     return PROXIED.open(server.address(), port -> LockClients.open(configFor(port)));
 * }
 * protected void cutConnection(LockClient client) { PROXIED.cut(client); }
 * }</pre>
 *
 * <p>Every proxy is closed after each test (the contract has closed the test's clients by then)
 * and after the class: clients are meant to be opened by tests. Thread-safe.
 */
public final class ProxiedClients implements AfterEachCallback, AfterAllCallback {

    private final Map<Object, List<TcpProxy>> proxies = new ConcurrentHashMap<>();

    /** What opens a client on the ports of its proxies, one per server and in the servers' order. */
    @FunctionalInterface
    public interface Opener<C> {
        C open(List<TcpProxy> proxies);
    }

    /**
     * Starts one proxy to {@code server} and opens a client on its port.
     *
     * @return the client, registered for {@link #cut} and {@link #restore}
     */
    public <C> C open(InetSocketAddress server, Function<Integer, C> openOnPort) {
        Objects.requireNonNull(openOnPort, "openOnPort");
        return open(List.of(server), started -> openOnPort.apply(started.get(0).port()));
    }

    /**
     * Starts one proxy to each of {@code servers} and opens a client on them (a cluster client
     * whose node addresses are mapped to its proxies, say).
     *
     * @return the client, registered for {@link #cut} and {@link #restore}
     */
    public <C> C open(List<InetSocketAddress> servers, Opener<C> opener) {
        List<TcpProxy> started = new ArrayList<>();
        try {
            for (InetSocketAddress server : servers) {
                started.add(TcpProxy.start(server));
            }
            C client = opener.open(List.copyOf(started));
            proxies.put(client, started);
            return client;
        } catch (RuntimeException | Error e) {
            started.forEach(TcpProxy::close);
            throw e;
        }
    }

    /** Drops {@code client}'s connections and refuses new ones until {@link #restore}. */
    public void cut(Object client) {
        of(client).forEach(TcpProxy::cut);
    }

    /** Lets {@code client} reach its servers again. */
    public void restore(Object client) {
        of(client).forEach(TcpProxy::restore);
    }

    /** The proxies {@code client} talks through. */
    public List<TcpProxy> of(Object client) {
        List<TcpProxy> found = proxies.get(client);
        if (found == null) {
            throw new IllegalArgumentException("not a client opened through these proxies: " + client);
        }
        return found;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeProxies();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeProxies();
    }

    private void closeProxies() {
        for (Object client : List.copyOf(proxies.keySet())) {
            List<TcpProxy> closing = proxies.remove(client);
            if (closing != null) {
                closing.forEach(TcpProxy::close);
            }
        }
    }
}
