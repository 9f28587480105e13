package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class TcpProxyTest {

    private final List<Socket> clients = new ArrayList<>();
    private EchoServer echo;
    private TcpProxy proxy;

    @BeforeEach
    void start() {
        echo = new EchoServer();
        proxy = TcpProxy.start(echo.address());
    }

    @AfterEach
    void stop() throws Exception {
        for (Socket client : clients) {
            client.close();
        }
        proxy.close();
        echo.close();
    }

    @Test
    void listensOnLoopbackOnly() {
        assertThat(proxy.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(proxy.port()).isEqualTo(proxy.address().getPort()).isPositive();
        assertThat(proxy.target()).isEqualTo(echo.address());
    }

    @Test
    void forwardsBytesBothWays() throws IOException {
        Socket client = connect();
        assertThat(roundTrip(client, "hello")).isEqualTo("hello");
        assertThat(proxy.connectionCount()).isEqualTo(1);
    }

    @Test
    void relaysThousandsOfSmallMessagesWithLowLatency() throws Exception {
        try (EchoServer pairs = new EchoServer(2); TcpProxy pairProxy = TcpProxy.start(pairs.address())) {
            relayPairs(connect(pairProxy));
        }
    }

    private static void relayPairs(Socket client) throws IOException {
        long start = System.nanoTime();
        for (int i = 0; i < 2_000; i++) {
            // Two writes, then a read of the reply, which comes only once both are in: without
            // TCP_NODELAY in the proxy, Nagle holds the second write until the first is acknowledged,
            // and a delayed ACK makes that tens of milliseconds.
            client.getOutputStream().write('<');
            client.getOutputStream().write('>');
            assertThat(readString(client, 2)).isEqualTo("<>");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Timing.scaled(Duration.ofSeconds(10)));
    }

    @Test
    void cutDropsOpenConnectionsAndFailsNewOnesUntilRestored() throws IOException {
        Socket before = connect();
        assertThat(roundTrip(before, "x")).isEqualTo("x");
        proxy.cut();
        assertDropped(before);
        Timing.await("the server side is closed too").until(() -> echo.connectionCount() == 0);
        assertDropped(connect());
        assertThat(echo.connectionCount()).isZero();

        proxy.restore();
        assertThat(roundTrip(connect(), "back")).isEqualTo("back");
    }

    @Test
    void blackholeHoldsTrafficUntilRestored() throws IOException {
        Socket client = connect();
        assertThat(roundTrip(client, "a")).isEqualTo("a");
        proxy.blackhole();
        client.getOutputStream().write("held".getBytes(StandardCharsets.UTF_8));
        // The pause is the thing under test: nothing may come back while partitioned.
        client.setSoTimeout((int) Timing.scaledMillis(300));
        assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        assertThat(proxy.connectionCount()).isEqualTo(1);

        proxy.restore();
        client.setSoTimeout((int) Timing.defaultWait().toMillis());
        assertThat(readString(client, 4)).isEqualTo("held");
    }

    /** A cut during a blackhole is a connection reset: what the blackhole held is dropped, never delivered. */
    @Test
    void aCutDropsWhatABlackholeHeld() throws IOException {
        Socket client = connect();
        assertThat(roundTrip(client, "a")).isEqualTo("a");
        proxy.blackhole();
        client.getOutputStream().write("held".getBytes(StandardCharsets.UTF_8));
        // The pause lets the proxy read the bytes and hold them, the case under test.
        Timing.await("nothing reaches the server while partitioned").during(Duration.ofMillis(300))
                .until(() -> echo.received() == 1);
        proxy.cut();
        Timing.await("the server side is closed").until(() -> echo.connectionCount() == 0);
        proxy.restore();
        assertThat(roundTrip(connect(), "b")).isEqualTo("b");
        assertThat(echo.received()).as("bytes the server received: 'a', then 'b', and not 'held'").isEqualTo(2);
    }

    @Test
    void dropRepliesDeliversRequestsAndLosesTheirAnswers() throws IOException {
        Socket client = connect();
        assertThat(roundTrip(client, "a")).isEqualTo("a");
        proxy.dropReplies();
        client.getOutputStream().write("lost".getBytes(StandardCharsets.UTF_8));
        // The pause is the thing under test: the echo must never arrive.
        client.setSoTimeout((int) Timing.scaledMillis(300));
        assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);

        proxy.restore();
        client.setSoTimeout((int) Timing.defaultWait().toMillis());
        assertThat(roundTrip(client, "next")).as("the server echoed 'lost' and the proxy dropped it").isEqualTo("next");
    }

    @Test
    void connectionMadeDuringBlackholeIsForwardedAfterRestore() throws IOException {
        proxy.blackhole();
        Socket client = connect();
        client.getOutputStream().write("late".getBytes(StandardCharsets.UTF_8));
        client.setSoTimeout((int) Timing.scaledMillis(200));
        assertThatThrownBy(() -> client.getInputStream().read()).isInstanceOf(SocketTimeoutException.class);
        proxy.restore();
        client.setSoTimeout((int) Timing.defaultWait().toMillis());
        assertThat(readString(client, 4)).isEqualTo("late");
    }

    @Test
    void closeStopsEveryThreadAndTheListener() throws IOException {
        Socket first = connect();
        Socket second = connect();
        assertThat(roundTrip(first, "1") + roundTrip(second, "2")).isEqualTo("12");
        String prefix = TcpProxy.THREAD_NAME_PREFIX + proxy.port() + "-";
        assertThat(threadsNamed(prefix)).isGreaterThanOrEqualTo(5);

        proxy.close();
        proxy.close();
        assertDropped(first);
        Timing.await("proxy threads end").until(() -> threadsNamed(prefix) == 0);
        assertThatThrownBy(() -> new Socket(proxy.address().getAddress(), proxy.port()))
                .isInstanceOf(ConnectException.class);
        proxy.cut();
        proxy.restore();
    }

    @Test
    void halfCloseIsPassedOn() throws IOException {
        Socket client = connect();
        client.getOutputStream().write("bye".getBytes(StandardCharsets.UTF_8));
        client.shutdownOutput();
        client.setSoTimeout((int) Timing.defaultWait().toMillis());
        assertThat(readString(client, 3)).isEqualTo("bye");
        assertThat(client.getInputStream().read()).isEqualTo(-1);
        Timing.await("the proxy forgets the finished connection").until(() -> proxy.connectionCount() == 0);
    }

    private Socket connect() throws IOException {
        return connect(proxy);
    }

    private Socket connect(TcpProxy to) throws IOException {
        Socket socket = new Socket(to.address().getAddress(), to.port());
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) Timing.defaultWait().toMillis());
        clients.add(socket);
        return socket;
    }

    private static String roundTrip(Socket socket, String message) throws IOException {
        byte[] bytes = message.getBytes(StandardCharsets.UTF_8);
        socket.getOutputStream().write(bytes);
        return readString(socket, bytes.length);
    }

    private static String readString(Socket socket, int length) throws IOException {
        return new String(socket.getInputStream().readNBytes(length), StandardCharsets.UTF_8);
    }

    /** The connection must end: end of stream or a reset, well within the default wait. */
    private static void assertDropped(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            socket.getOutputStream().write('?');
            assertThat(in.read()).isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection was not dropped", e);
        } catch (IOException e) {
            // Reset by the proxy: dropped.
        }
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith(prefix))
                .count();
    }
}
