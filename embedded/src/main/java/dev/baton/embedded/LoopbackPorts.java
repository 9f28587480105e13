package dev.baton.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free loopback ports for servers that a test or the demo kills and starts again, chosen below the
 * kernel's ephemeral range.
 *
 * <p>Why not port 0: the kernel then picks from its ephemeral range, the same range it picks a
 * client's source port from. A client that keeps reconnecting to a killed server on
 * {@code 127.0.0.1:p} is, sooner or later, given source port {@code p} itself, and TCP's
 * simultaneous open connects the socket to itself (measured here: one in about 4,000 attempts on
 * an even port). The client then reads its own bytes back, and the server cannot bind {@code p}
 * when it restarts. Redis Cluster nodes reconnect to a failed peer's bus port ten times a second,
 * and a node that self-connects marks the peer {@code noaddr}, never counts it as failing, and the
 * cluster never fails over. Ports outside the range are never handed to a client.
 *
 * <p>Thread-safe. A port is only free when returned; another process may take it before it is bound.
 */
public final class LoopbackPorts {

    private static final int LOWEST = 10_000;
    private static final int BELOW = ephemeralLowerBound();

    private LoopbackPorts() {
    }

    /**
     * A loopback port that is free now and outside the ephemeral range.
     *
     * @throws IllegalStateException if none is found in 200 tries
     */
    public static int freePort() {
        return freePort(0);
    }

    /**
     * A loopback port {@code p} that is free now, as is {@code p + offset} (a Redis Cluster node's bus
     * port is {@code p + 10000}), both outside the ephemeral range.
     *
     * @throws IllegalArgumentException if {@code offset} is negative
     * @throws IllegalStateException if no such pair is found in 200 tries
     */
    public static int freePort(int offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must not be negative: " + offset);
        }
        int top = BELOW - offset;
        if (top - LOWEST < 1_000) {
            return anyFreePort(offset); // a machine whose ephemeral range starts low: nothing to stay out of
        }
        for (int i = 0; i < 200; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, top);
            if (free(port) && (offset == 0 || free(port + offset))) {
                return port;
            }
        }
        throw new IllegalStateException("no free loopback port below " + BELOW + " (offset " + offset + ")");
    }

    private static int anyFreePort(int offset) {
        for (int i = 0; i < 200; i++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (offset == 0 || (port + offset <= 65_535 && free(port + offset))) {
                    return port;
                }
            } catch (IOException e) {
                // try again
            }
        }
        throw new IllegalStateException("no free loopback port (offset " + offset + ")");
    }

    private static boolean free(int port) {
        try {
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The first port of the kernel's ephemeral range ({@code net.ipv4.ip_local_port_range}), or
     * Linux's default, 32768, where it cannot be read.
     */
    public static int ephemeralRangeStart() {
        return BELOW;
    }

    private static int ephemeralLowerBound() {
        // Not Files.readString: /proc reports a size of 0, and that read returned "3" of "32768\t60999" here.
        try (InputStream in = Files.newInputStream(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))) {
            String range = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            return Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 32_768;
        }
    }
}
