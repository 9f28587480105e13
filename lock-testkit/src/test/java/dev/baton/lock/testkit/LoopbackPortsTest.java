package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.embedded.LoopbackPorts;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class LoopbackPortsTest {

    @Test
    void theRangeIsReadWhole() {
        assertThat(LoopbackPorts.ephemeralRangeStart()).isGreaterThan(1_024);
    }

    @Test
    void portsAreFreeAndBelowTheEphemeralRange() throws IOException {
        int lowest = LoopbackPorts.ephemeralRangeStart();
        for (int i = 0; i < 20; i++) {
            int port = LoopbackPorts.freePort();
            assertThat(port).isBetween(10_000, lowest - 1);
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
        }
    }

    @Test
    void aClusterNodesBusPortIsFreeAndBelowTheRangeToo() throws IOException {
        int lowest = LoopbackPorts.ephemeralRangeStart();
        for (int i = 0; i < 20; i++) {
            int port = LoopbackPorts.freePort(10_000);
            assertThat(port + 10_000).isBetween(20_000, lowest - 1);
            new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
            new ServerSocket(port + 10_000, 1, InetAddress.getLoopbackAddress()).close();
        }
    }

    /** What a client reconnecting to a killed server does: on such a port it is only ever refused. */
    @Test
    void aClientReconnectingToADeadPortIsNeverConnectedToItself() throws IOException {
        int dead = LoopbackPorts.freePort();
        for (int i = 0; i < 3_000; i++) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), dead), 1_000);
                throw new AssertionError("connected to " + dead + " from " + socket.getLocalPort()
                        + " after " + i + " attempts");
            } catch (ConnectException refused) {
                // what must happen
            }
        }
    }

    @Test
    void aNegativeOffsetIsRefused() {
        assertThatThrownBy(() -> LoopbackPorts.freePort(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
