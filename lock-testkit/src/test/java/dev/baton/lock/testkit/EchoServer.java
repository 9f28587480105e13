package dev.baton.lock.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback server that sends back what it receives, a frame of a fixed size at a time (so a reply
 * carries no acknowledgement until the whole frame is in); one thread per connection.
 */
final class EchoServer implements AutoCloseable {

    private final int frameBytes;
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "echo-server");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong received = new AtomicLong();

    EchoServer() {
        this(1);
    }

    EchoServer(int frameBytes) {
        this.frameBytes = frameBytes;
        try {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        threads.execute(this::acceptLoop);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** Bytes received so far, on every connection. */
    long received() {
        return received.get();
    }

    /** Connections the server has open now. */
    int connectionCount() {
        return sockets.size();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : sockets) {
            socket.close();
        }
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                sockets.add(socket);
                threads.execute(() -> echo(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void echo(Socket socket) {
        try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
            for (byte[] frame = in.readNBytes(frameBytes); frame.length > 0; frame = in.readNBytes(frameBytes)) {
                received.addAndGet(frame.length);
                out.write(frame);
            }
        } catch (IOException e) {
            // The peer went away; nothing to echo to.
        } finally {
            sockets.remove(socket);
        }
    }
}
