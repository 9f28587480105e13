package dev.baton.soak.cluster;

import dev.baton.soak.FaultKind;
import dev.baton.soak.Micros;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * A master, a replica and a Sentinel. A failover kills whichever node is master now; the Sentinel
 * promotes the replica; the killed node comes back empty and the Sentinel makes it a replica of the
 * new master, so the next failover starts from the same shape.
 *
 * <p>The Sentinel may also fail over on its own: with {@code down-after-milliseconds} at 1 s, as
 * short as its own ping period, it sometimes takes a master it has just promoted for a dead one and
 * promotes the other node back (run K34: 57 of 677 failovers in 620 injections). Such a failover loses
 * the writes the demoted master took after the promotion, as an injected one does, so
 * {@link #watchFailovers} reports every failover the Sentinel announces.
 */
public final class RedisSentinelSetup extends RedisSetup {

    static final String MASTER_NAME = "soak-master";
    private static final Duration DOWN_AFTER = Duration.ofMillis(1000);

    private final List<RedisNode> servers;
    private final RedisNode sentinel;
    private volatile FailoverWatch watch;

    private RedisSentinelSetup(String backend, Duration leaseTime, List<RedisNode> servers, RedisNode sentinel) {
        super(backend, leaseTime);
        this.servers = servers;
        this.sentinel = sentinel;
    }

    /** Starts master, replica and Sentinel, and waits until the replica is in sync. */
    public static RedisSentinelSetup start(Path root, String backend, Duration leaseTime) {
        RedisNode master = RedisNode.server(root);
        RedisNode replica = null;
        RedisNode sentinel = null;
        try {
            replica = RedisNode.server(root, "--replicaof", "127.0.0.1", Integer.toString(master.port()));
            sentinel = RedisNode.sentinel(root, master, MASTER_NAME, DOWN_AFTER);
            RedisSentinelSetup setup = new RedisSentinelSetup(backend, leaseTime, List.of(master, replica), sentinel);
            Wait.require("the Sentinel setup is in sync", Duration.ofSeconds(60), setup::healthy);
            return setup;
        } catch (RuntimeException e) {
            master.close();
            if (replica != null) {
                replica.close();
            }
            if (sentinel != null) {
                sentinel.close();
            }
            throw e;
        }
    }

    @Override
    public String name() {
        return "redis-sentinel";
    }

    @Override
    public String description() {
        return "redis-server " + servers.get(0).version() + " master + replica + 1 Sentinel (down-after "
                + DOWN_AFTER.toMillis() + " ms, no persistence), backend " + backendName() + ", lease "
                + leaseTime.toMillis() + " ms";
    }

    @Override
    public Set<FaultKind> serverFaults() {
        return EnumSet.of(FaultKind.SENTINEL_FAILOVER);
    }

    @Override
    public List<InetSocketAddress> proxyTargets() {
        return List.of();
    }

    @Override
    public Map<String, String> clientConfig(List<InetSocketAddress> addresses) {
        Map<String, String> config = commonConfig();
        config.put("baton.redis.sentinel.master", MASTER_NAME);
        config.put("baton.redis.sentinel.nodes", "127.0.0.1:" + sentinel.port());
        return config;
    }

    @Override
    public Injection inject(FaultKind kind) {
        if (kind != FaultKind.SENTINEL_FAILOVER) {
            throw new IllegalArgumentException(kind.id() + " is not a Sentinel fault");
        }
        int before = masterPort();
        RedisNode master = node(before);
        master.kill();
        return new Injection() {
            @Override
            public String target() {
                return master + " (master)";
            }

            @Override
            public Duration hold() {
                return Duration.ZERO;
            }

            @Override
            public void heal() {
                // Bring the old master back only once the replica is promoted: back earlier, it
                // would be master again, empty, and the Sentinel might keep it.
                Wait.require("the Sentinel promotes the replica", Duration.ofSeconds(60),
                        () -> masterPort() != before && node(masterPort()).info("replication").contains("role:master"));
                master.start();
            }
        };
    }

    private int masterPort() {
        try (Jedis jedis = sentinel.admin()) {
            return Integer.parseInt(jedis.sentinelGetMasterAddrByName(MASTER_NAME).get(1));
        }
    }

    private RedisNode node(int port) {
        return servers.stream().filter(s -> s.port() == port).findFirst()
                .orElseThrow(() -> new IllegalStateException("the Sentinel names an unknown master :" + port));
    }

    @Override
    public boolean healthy() {
        int master = masterPort();
        String info = node(master).info("replication");
        return info.contains("role:master") && info.contains("connected_slaves:1")
                && info.contains("state=online") && servers.stream().allMatch(RedisNode::running);
    }

    @Override
    public void watchFailovers(FailoverListener listener) {
        if (watch != null) {
            throw new IllegalStateException("the Sentinel's failovers are watched already");
        }
        FailoverWatch started = new FailoverWatch(sentinel, listener);
        started.start();
        watch = started;
    }

    @Override
    public void close() {
        FailoverWatch running = watch;
        if (running != null) {
            running.close();
        }
        sentinel.close();
        servers.forEach(RedisNode::close);
    }

    /**
     * A subscription to the Sentinel's {@code +try-failover} and {@code +switch-master} events, on a
     * thread of its own: a failover runs from the first to the second.
     */
    private static final class FailoverWatch extends JedisPubSub {

        private static final String TRY_FAILOVER = "+try-failover";
        private static final String SWITCH_MASTER = "+switch-master";
        private static final Duration SUBSCRIBE_WAIT = Duration.ofSeconds(10);

        private final RedisNode sentinel;
        private final FailoverListener listener;
        private final CountDownLatch subscribed = new CountDownLatch(1);
        private final Thread thread;
        private volatile boolean closing;
        /** When the Sentinel began the failover in progress, 0 if none; read and written on the watch thread only. */
        private long tryingSince;

        FailoverWatch(RedisNode sentinel, FailoverListener listener) {
            this.sentinel = sentinel;
            this.listener = listener;
            this.thread = new Thread(this::run, "sentinel-failover-watch");
            thread.setDaemon(true);
        }

        /** Starts the thread and waits until both channels are subscribed. */
        void start() {
            thread.start();
            try {
                if (!subscribed.await(SUBSCRIBE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    close();
                    throw new IllegalStateException("could not subscribe to the Sentinel's failover events on "
                            + sentinel + " within " + SUBSCRIBE_WAIT.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IllegalStateException("interrupted while subscribing to the Sentinel's failover events", e);
            }
        }

        private void run() {
            // The Sentinel is never a fault's target, but a subscription that breaks would miss
            // failovers silently: subscribe again until closed.
            while (!closing) {
                try (Jedis jedis = sentinel.subscriber()) {
                    jedis.subscribe(this, TRY_FAILOVER, SWITCH_MASTER);
                } catch (RuntimeException e) {
                    if (!closing) {
                        System.err.println("sentinel-failover-watch: subscription lost, subscribing again: " + e);
                        Wait.sleep(200);
                    }
                }
            }
        }

        @Override
        public void onSubscribe(String channel, int subscribedChannels) {
            if (subscribedChannels == 2) {
                subscribed.countDown();
            }
        }

        @Override
        public void onMessage(String channel, String message) {
            long now = Micros.now();
            if (TRY_FAILOVER.equals(channel)) {
                tryingSince = now;
            } else if (SWITCH_MASTER.equals(channel)) {
                // "<master-name> <old-ip> <old-port> <new-ip> <new-port>"
                String[] p = message.split(" ");
                String what = p.length == 5 ? ":" + p[2] + " -> :" + p[4] : message;
                listener.failedOver(tryingSince != 0 ? tryingSince : now, now, what);
                tryingSince = 0;
            }
        }

        void close() {
            closing = true;
            try {
                if (isSubscribed()) {
                    unsubscribe();
                }
            } catch (RuntimeException e) {
                // the connection is gone already; the thread ends on its own
            }
            try {
                thread.join(SUBSCRIBE_WAIT.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
