package dev.baton.soak;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The harness's loopback endpoint: workers send their history lines here, and their writes to the
 * fenced resource. The resource keeps, per lock name, the highest token it accepted and refuses
 * older ones (an equal token is the same holder writing again); each decision is recorded as a
 * {@code WRITE} line, in the order decided.
 *
 * <p>Reached over TCP on purpose: a worker that was paused sends its write late, and the resource
 * decides on arrival, as a real storage system would.
 */
final class ResourceServer implements AutoCloseable {

    private final History history;
    private final boolean acceptsStale;
    private final ServerSocket server;
    private final Map<String, Long> highest = new HashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * @param acceptsStale the self-test's broken resource: it accepts every token
     */
    ResourceServer(History history, boolean acceptsStale) {
        this.history = history;
        this.acceptsStale = acceptsStale;
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread accept = new Thread(this::acceptLoop, "resource-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                connections.add(socket);
                Thread reader = new Thread(() -> serve(socket), "resource-conn-" + socket.getPort());
                reader.setDaemon(true);
                reader.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket;
             BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
             Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("W\t")) {
                    out.write(write(line.split("\t", -1)) ? "OK\n" : "STALE\n");
                    out.flush();
                } else {
                    history.addLine(line);
                }
            }
        } catch (IOException e) {
            // the worker died or was killed: its history ends here
        } finally {
            connections.remove(socket);
        }
    }

    /** {@code W worker seq lock token sent}: decide, and record the decision in decision order. */
    private synchronized boolean write(String[] f) {
        String lock = f[3];
        long token = Long.parseLong(f[4]);
        Long max = highest.get(lock);
        boolean accepted = acceptsStale || max == null || token >= max;
        if (accepted && (max == null || token > max)) {
            highest.put(lock, token);
        }
        history.add("WRITE", f[1], f[2], lock, f[4], f[5], Long.toString(Micros.now()), accepted ? "OK" : "STALE");
        return accepted;
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : connections) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
