package dev.baton.lock.testkit;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy to put between a client and its server, so a test can break the network in
 * between: {@link #cut()} drops every connection and refuses new ones, {@link #blackhole()} lets
 * connections stand but stops all traffic, {@link #restore()} heals both.
 *
 * <p>The proxy listens on 127.0.0.1 only, on a free port. Each connection costs two daemon threads
 * (one per direction) using blocking sockets with {@code TCP_NODELAY} on both sides, so thousands of
 * small request/response messages pass with loopback latency. {@link #close()} stops every thread.
 *
 * <p>Thread safety: all methods may be called from any thread.
 */
public final class TcpProxy implements AutoCloseable {

    /** Every thread of a proxy has a name starting with this, then the port. */
    public static final String THREAD_NAME_PREFIX = "baton-tcp-proxy-";

    private static final int CONNECT_TIMEOUT_MILLIS = 5_000;
    private static final int BUFFER_BYTES = 16 * 1024;
    private static final long CLOSE_WAIT_SECONDS = 5;

    private enum Mode { FORWARD, CUT, BLACKHOLE, DROP_REPLIES }

    private final InetSocketAddress target;
    private final ServerSocket server;
    private final ExecutorService threads;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    /** Guards mode and closed together with connection registration; waited on during a blackhole. */
    private final Object monitor = new Object();
    private volatile Mode mode = Mode.FORWARD;
    private volatile boolean closed;

    private TcpProxy(InetSocketAddress target, ServerSocket server) {
        this.target = target;
        this.server = server;
        AtomicInteger count = new AtomicInteger();
        String prefix = THREAD_NAME_PREFIX + server.getLocalPort() + "-";
        this.threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Starts a proxy to {@code target} on a free loopback port, forwarding.
     *
     * @throws NullPointerException if {@code target} is null
     * @throws UncheckedIOException if no port can be bound
     */
    public static TcpProxy start(InetSocketAddress target) {
        Objects.requireNonNull(target, "target");
        ServerSocket server;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a loopback port for a proxy to " + target, e);
        }
        TcpProxy proxy = new TcpProxy(target, server);
        proxy.threads.execute(proxy::acceptLoop);
        return proxy;
    }

    /** The address clients should connect to instead of the target. */
    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** The loopback port the proxy listens on. */
    public int port() {
        return server.getLocalPort();
    }

    /** The address the proxy forwards to. */
    public InetSocketAddress target() {
        return target;
    }

    /** How many client connections are open through the proxy right now. */
    public int connectionCount() {
        return connections.size();
    }

    /**
     * Closes every open connection, both sides, and until {@link #restore()} closes each new one as
     * soon as it is accepted: the client sees its connection drop and every reconnect fail fast.
     * Does nothing after {@link #close()}.
     */
    public void cut() {
        List<Connection> open;
        synchronized (monitor) {
            if (closed) {
                return;
            }
            mode = Mode.CUT;
            monitor.notifyAll();
            open = List.copyOf(connections);
        }
        open.forEach(Connection::close);
    }

    /**
     * Stops all traffic without closing anything, as in a network partition: bytes and closes sent
     * by either side are held back, and new connections are accepted but not forwarded. Nothing is
     * lost, as with TCP, which retransmits until the network heals: {@link #restore()} delivers what
     * was held. Clients notice only by their own timeouts. Does nothing after {@link #close()}.
     */
    public void blackhole() {
        synchronized (monitor) {
            if (!closed) {
                mode = Mode.BLACKHOLE;
            }
        }
    }

    /**
     * Lets requests through and throws replies away: the server acts on what the client sends, and
     * the client never hears back, as when the network fails right after a request went out. Bytes
     * dropped are lost for good: the connection cannot carry on after {@link #restore()}, and the
     * client notices only by its own timeout. Does nothing after {@link #close()}.
     */
    public void dropReplies() {
        synchronized (monitor) {
            if (!closed) {
                mode = Mode.DROP_REPLIES;
            }
        }
    }

    /** Ends a {@link #cut()}, {@link #blackhole()} or {@link #dropReplies()}: new connections are forwarded again. */
    public void restore() {
        synchronized (monitor) {
            if (!closed) {
                mode = Mode.FORWARD;
                monitor.notifyAll();
            }
        }
    }

    /** Stops listening, closes every connection and stops every thread. Idempotent. */
    @Override
    public void close() {
        List<Connection> open;
        synchronized (monitor) {
            if (closed) {
                return;
            }
            closed = true;
            monitor.notifyAll();
            open = List.copyOf(connections);
        }
        closeQuietly(server);
        open.forEach(Connection::close);
        threads.shutdownNow();
        try {
            threads.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "TcpProxy[" + address() + " -> " + target + "]";
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed; or the listening socket broke, and then nothing more can be accepted
            }
            Connection connection = null;
            synchronized (monitor) {
                if (mode != Mode.CUT && !closed) {
                    connection = new Connection(socket);
                    connections.add(connection);
                }
            }
            if (connection == null) {
                closeQuietly(socket);
                continue;
            }
            try {
                socket.setTcpNoDelay(true);
                threads.execute(connection::run);
            } catch (IOException | RejectedExecutionException e) {
                connection.close();
            }
        }
    }

    /**
     * Waits while the proxy is blackholed.
     *
     * @return false if the connection or the proxy was closed or cut meanwhile: what a blackhole
     *     held back is then dropped, never delivered (a cut closes the connection; its
     *     {@code close} may not have run yet when this wakes)
     */
    private boolean awaitTraffic(Connection connection) throws InterruptedException {
        synchronized (monitor) {
            while (mode == Mode.BLACKHOLE && !closed && !connection.done) {
                monitor.wait(); // every way out of this loop notifies
            }
            return !closed && !connection.done && mode != Mode.CUT;
        }
    }

    private static void closeQuietly(Closeable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (IOException e) {
            // Nothing to do: the socket is gone either way.
        }
    }

    /** One client connection and its upstream twin, pumped by two threads. */
    private final class Connection {
        private final Socket client;
        private final AtomicInteger finishedPumps = new AtomicInteger();
        private Socket upstream; // guarded by this
        private volatile boolean done;

        Connection(Socket client) {
            this.client = client;
        }

        /** Connects upstream, then pumps client-to-server on this thread and the reverse on another. */
        void run() {
            Socket up = new Socket();
            try {
                if (!awaitTraffic(this)) {
                    closeQuietly(up);
                    return;
                }
                up.setTcpNoDelay(true);
                up.connect(target, CONNECT_TIMEOUT_MILLIS);
            } catch (IOException e) {
                closeQuietly(up);
                close();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeQuietly(up);
                close();
                return;
            }
            synchronized (this) {
                if (done) {
                    closeQuietly(up);
                    return;
                }
                upstream = up;
            }
            try {
                threads.execute(() -> pump(up, client, true));
            } catch (RejectedExecutionException e) {
                close();
                return;
            }
            pump(client, up, false);
        }

        /** @param replies whether this pump carries the server's replies to the client */
        private void pump(Socket from, Socket to, boolean replies) {
            byte[] buffer = new byte[BUFFER_BYTES];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                while (true) {
                    int read = in.read(buffer);
                    if (!awaitTraffic(this)) {
                        close();
                        return;
                    }
                    if (read < 0) {
                        to.shutdownOutput(); // pass the half-close on; the other direction may go on
                        break;
                    }
                    if (!(replies && mode == Mode.DROP_REPLIES)) {
                        out.write(buffer, 0, read);
                    }
                }
            } catch (IOException e) {
                close();
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                return;
            }
            if (finishedPumps.incrementAndGet() == 2) {
                close();
            }
        }

        void close() {
            Socket up;
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
                up = upstream;
            }
            connections.remove(this);
            closeQuietly(client);
            closeQuietly(up);
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }
    }
}
