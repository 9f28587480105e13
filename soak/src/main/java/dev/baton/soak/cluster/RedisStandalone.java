package dev.baton.soak.cluster;

import dev.baton.soak.FaultKind;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One {@code redis-server}: paused past the lease, or killed and restarted empty. */
public final class RedisStandalone extends RedisSetup {

    private final RedisNode server;

    private RedisStandalone(String backend, Duration leaseTime, RedisNode server) {
        super(backend, leaseTime);
        this.server = server;
    }

    /** Starts the server. */
    public static RedisStandalone start(Path root, String backend, Duration leaseTime) {
        return new RedisStandalone(backend, leaseTime, RedisNode.server(root));
    }

    @Override
    public String name() {
        return backendName();
    }

    @Override
    public String description() {
        return "1 redis-server " + server.version() + " (no persistence), backend " + backendName()
                + ", lease " + leaseTime.toMillis() + " ms";
    }

    @Override
    public Set<FaultKind> serverFaults() {
        return EnumSet.of(FaultKind.REDIS_PAUSE, FaultKind.REDIS_RESTART);
    }

    @Override
    public List<InetSocketAddress> proxyTargets() {
        return List.of(new InetSocketAddress("127.0.0.1", server.port()));
    }

    @Override
    public Map<String, String> clientConfig(List<InetSocketAddress> addresses) {
        Map<String, String> config = commonConfig();
        InetSocketAddress address = addresses.get(0);
        config.put("baton.redis.uri", "redis://" + address.getHostString() + ":" + address.getPort());
        return config;
    }

    @Override
    public Injection inject(FaultKind kind) {
        switch (kind) {
            case REDIS_PAUSE -> {
                server.pause();
                return injection(server + " (SIGSTOP)", leaseTime.multipliedBy(3).dividedBy(2), server::resume);
            }
            case REDIS_RESTART -> {
                server.kill();
                return injection(server + " (SIGKILL, restart empty)", Duration.ofMillis(200), server::start);
            }
            default -> throw new IllegalArgumentException(kind.id() + " is not a standalone Redis fault");
        }
    }

    @Override
    public boolean healthy() {
        return server.running() && server.info("server").contains("redis_version");
    }

    @Override
    public void close() {
        server.close();
    }
}
