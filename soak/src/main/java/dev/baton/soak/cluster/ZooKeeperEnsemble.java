package dev.baton.soak.cluster;

import dev.baton.soak.FaultKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * A three-server ZooKeeper ensemble, each server a child JVM running {@code QuorumPeerMain} (so a
 * kill is a real {@code SIGKILL}, not an orderly close). Short ticks let short sessions through.
 *
 * <p>The servers' configuration lists no client addresses unless asked ({@code listClientAddresses}):
 * with them, Curator's ensemble tracker rewrites every client's connect string at its first
 * reconnection and so bypasses the per-worker proxies (issue 15); the harness reports that as
 * {@code PROXY_BYPASS}.
 */
public final class ZooKeeperEnsemble implements LockCluster {

    private static final int SERVERS = 3;

    private final Path root;
    private final Duration tick;
    private final Duration sessionTimeout;
    private final String lostOn;
    private final List<Node> nodes = new ArrayList<>();

    private ZooKeeperEnsemble(Path root, Duration tick, Duration sessionTimeout, String lostOn) {
        this.root = root;
        this.tick = tick;
        this.sessionTimeout = sessionTimeout;
        this.lostOn = lostOn;
    }

    /** Starts the ensemble and waits for a leader. */
    public static ZooKeeperEnsemble start(Path root, Duration sessionTimeout, String lostOn, boolean listClientAddresses) {
        Duration tick = Duration.ofMillis(Math.max(100, sessionTimeout.toMillis() / 10));
        ZooKeeperEnsemble ensemble = new ZooKeeperEnsemble(root, tick, sessionTimeout, lostOn);
        try {
            ensemble.configure(listClientAddresses);
            ensemble.nodes.parallelStream().forEach(Node::start);
            Wait.require("the ZooKeeper ensemble has a leader and two followers", Duration.ofSeconds(90),
                    ensemble::healthy);
            return ensemble;
        } catch (RuntimeException e) {
            ensemble.close();
            throw e;
        }
    }

    private void configure(boolean listClientAddresses) {
        int[][] ports = new int[SERVERS][3];
        for (int i = 0; i < SERVERS; i++) {
            for (int j = 0; j < 3; j++) {
                ports[i][j] = Procs.freePort();
            }
        }
        StringBuilder servers = new StringBuilder();
        for (int i = 0; i < SERVERS; i++) {
            servers.append("server.").append(i + 1).append("=127.0.0.1:").append(ports[i][1]).append(':')
                    .append(ports[i][2]).append(":participant");
            if (listClientAddresses) {
                servers.append(";127.0.0.1:").append(ports[i][0]);
            }
            servers.append('\n');
        }
        for (int i = 0; i < SERVERS; i++) {
            Path dir = Procs.dir(root, "zk" + (i + 1));
            Path data = Procs.dir(dir, "data");
            String conf = "tickTime=" + tick.toMillis() + "\n"
                    + "initLimit=20\nsyncLimit=10\n"
                    + "dataDir=" + data.toAbsolutePath() + "\n"
                    + "clientPort=" + ports[i][0] + "\nclientPortAddress=127.0.0.1\n"
                    + "minSessionTimeout=" + (2 * tick.toMillis()) + "\n"
                    + "maxSessionTimeout=" + Math.max(sessionTimeout.toMillis() * 2, 20 * tick.toMillis()) + "\n"
                    + "4lw.commands.whitelist=srvr,ruok\n"
                    + "admin.enableServer=false\n"
                    + "reconfigEnabled=false\n"
                    + "autopurge.snapRetainCount=3\nautopurge.purgeInterval=1\n"
                    // A server replays every transaction since its last snapshot when it starts, and
                    // takes a snapshot only after snapCount/2..snapCount transactions in one life. At
                    // the default (100,000) a server that the nemesis restarts every half minute may
                    // never take one: in run K35 zk1 went 50 minutes without, and its 521st restart
                    // replayed 130 logs for longer than the 60 s the nemesis waits. 1,000 bounds
                    // the replay to a few seconds of the soak's writes.
                    + "snapCount=1000\n"
                    + servers;
            try {
                Files.writeString(data.resolve("myid"), Integer.toString(i + 1));
                Files.writeString(dir.resolve("zoo.cfg"), conf);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            nodes.add(new Node(i + 1, ports[i][0], dir));
        }
    }

    @Override
    public String name() {
        return "zookeeper";
    }

    @Override
    public String description() {
        return "3 ZooKeeper " + org.apache.zookeeper.Version.getFullVersion().split("[-, ]")[0]
                + " servers (child JVMs, tick " + tick.toMillis() + " ms), session timeout "
                + sessionTimeout.toMillis() + " ms, lost-on=" + lostOn;
    }

    @Override
    public Set<FaultKind> serverFaults() {
        return EnumSet.of(FaultKind.ZK_SERVER_KILL, FaultKind.ZK_LEADER_KILL, FaultKind.ZK_LEADER_PAUSE,
                FaultKind.ZK_QUORUM_LOSS);
    }

    @Override
    public List<InetSocketAddress> proxyTargets() {
        return nodes.stream().map(n -> new InetSocketAddress("127.0.0.1", n.clientPort)).toList();
    }

    @Override
    public Map<String, String> clientConfig(List<InetSocketAddress> addresses) {
        Map<String, String> config = new HashMap<>();
        config.put("baton.backend", "zookeeper");
        config.put("baton.zookeeper.connect", addresses.stream()
                .map(a -> a.getHostString() + ":" + a.getPort()).collect(Collectors.joining(",")));
        config.put("baton.zookeeper.session-timeout", sessionTimeout.toMillis() + "ms");
        config.put("baton.zookeeper.connection-timeout", "20s");
        config.put("baton.zookeeper.lost-on", lostOn);
        return config;
    }

    @Override
    public Duration lossHorizon() {
        return sessionTimeout;
    }

    @Override
    public Injection inject(FaultKind kind) {
        Duration hold = sessionTimeout.multipliedBy(3).dividedBy(2);
        switch (kind) {
            case ZK_SERVER_KILL -> {
                Node node = nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
                String target = node + " (" + node.mode() + ")";
                node.kill();
                return injection(target, Duration.ofMillis(500), List.of(node));
            }
            case ZK_LEADER_KILL -> {
                Node leader = leader();
                leader.kill();
                return injection(leader + " (leader)", Duration.ofMillis(500), List.of(leader));
            }
            case ZK_LEADER_PAUSE -> {
                Node leader = leader();
                leader.pause();
                return injection(leader + " (leader, SIGSTOP)", hold, leader::resume);
            }
            case ZK_QUORUM_LOSS -> {
                Node leader = leader();
                List<Node> others = new ArrayList<>(nodes);
                others.remove(leader);
                Node other = others.get(ThreadLocalRandom.current().nextInt(others.size()));
                leader.kill();
                other.kill();
                return injection(leader + " (leader) + " + other, hold, List.of(leader, other));
            }
            default -> throw new IllegalArgumentException(kind.id() + " is not a ZooKeeper fault");
        }
    }

    private Injection injection(String target, Duration hold, List<Node> killed) {
        return injection(target, hold, () -> killed.parallelStream().forEach(Node::start));
    }

    private Injection injection(String target, Duration hold, Runnable heal) {
        return new Injection() {
            @Override
            public String target() {
                return target;
            }

            @Override
            public Duration hold() {
                return hold;
            }

            @Override
            public void heal() {
                heal.run();
                // Healed means a leader and two followers serving again, not just a port that
                // answers: a restarted server still loading its log or syncing with the leader
                // answers "not serving", and a server kill injected then would take a second
                // server from the quorum (the kind would become a quorum loss).
                Wait.require("the ensemble has a leader and two followers again", Duration.ofSeconds(60),
                        ZooKeeperEnsemble.this::healthy);
            }
        };
    }

    private Node leader() {
        Node[] found = new Node[1];
        Wait.require("a ZooKeeper leader is elected", Duration.ofSeconds(60), () -> {
            for (Node node : nodes) {
                if ("leader".equals(node.mode())) {
                    found[0] = node;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @Override
    public boolean healthy() {
        long leaders = 0;
        long followers = 0;
        for (Node node : nodes) {
            String mode = node.mode();
            leaders += "leader".equals(mode) ? 1 : 0;
            followers += "follower".equals(mode) ? 1 : 0;
        }
        return leaders == 1 && followers == SERVERS - 1;
    }

    @Override
    public void close() {
        nodes.forEach(Node::kill);
    }

    /** One server JVM. */
    private static final class Node {
        private final int id;
        private final int clientPort;
        private final Path dir;
        private Process process;

        Node(int id, int clientPort, Path dir) {
            this.id = id;
            this.clientPort = clientPort;
            this.dir = dir;
        }

        synchronized void start() {
            if (process != null && process.isAlive()) {
                return;
            }
            List<String> command = List.of(Procs.java(), "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-Dzookeeper.forceSync=no", "-Dzookeeper.admin.enableServer=false",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"),
                    "org.apache.zookeeper.server.quorum.QuorumPeerMain", dir.resolve("zoo.cfg").toString());
            process = Procs.start(command, dir.resolve("server.log"));
            Process started = process;
            Wait.require(this + " answers", Duration.ofSeconds(60), () -> {
                if (!started.isAlive()) {
                    throw new IllegalStateException(this + " exited; see " + dir.resolve("server.log"));
                }
                return !"down".equals(mode());
            });
        }

        synchronized void kill() {
            Procs.kill(process);
            process = null;
        }

        synchronized void pause() {
            Procs.signal(process, "STOP");
        }

        synchronized void resume() {
            Procs.signal(process, "CONT");
        }

        /** The server's mode from the {@code srvr} four-letter command: leader, follower, or down. */
        String mode() {
            try (Socket socket = new Socket("127.0.0.1", clientPort)) {
                socket.setSoTimeout(2_000);
                socket.getOutputStream().write("srvr".getBytes(StandardCharsets.US_ASCII));
                String reply = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                for (String line : reply.split("\n")) {
                    if (line.startsWith("Mode: ")) {
                        return line.substring(6).trim();
                    }
                }
                return "not serving";
            } catch (IOException e) {
                return "down";
            }
        }

        @Override
        public String toString() {
            return "zk" + id;
        }
    }
}
