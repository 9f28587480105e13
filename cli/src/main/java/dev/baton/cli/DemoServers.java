package dev.baton.cli;

import dev.baton.embedded.EmbeddedPostgreSql;
import dev.baton.embedded.EmbeddedRedis;
import dev.baton.embedded.EmbeddedZooKeeper;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The real servers of the demo and the sandbox, all on loopback: a ZooKeeper ensemble in this
 * process, a {@code redis-server} child process and, if asked for, PostgreSQL with prepared
 * transactions. Started in parallel, stopped together; the launchers are in {@code baton-embedded}.
 */
final class DemoServers implements AutoCloseable {

    private final EmbeddedZooKeeper zookeeper;
    private final EmbeddedRedis redis;
    private final EmbeddedPostgreSql postgres;

    private DemoServers(EmbeddedZooKeeper zookeeper, EmbeddedRedis redis, EmbeddedPostgreSql postgres) {
        this.zookeeper = zookeeper;
        this.redis = redis;
        this.postgres = postgres;
    }

    /** The demo's servers: a 3-node ensemble, Redis and PostgreSQL. */
    static DemoServers start() {
        return start(3, true);
    }

    static DemoServers start(int zookeeperServers, boolean withPostgres) {
        CompletableFuture<EmbeddedZooKeeper> zk = CompletableFuture.supplyAsync(
                () -> EmbeddedZooKeeper.startEnsemble(zookeeperServers));
        CompletableFuture<EmbeddedRedis> redis = CompletableFuture.supplyAsync(EmbeddedRedis::start);
        CompletableFuture<EmbeddedPostgreSql> pg = withPostgres ? CompletableFuture.supplyAsync(EmbeddedPostgreSql::start)
                : CompletableFuture.completedFuture(null);
        try {
            CompletableFuture.allOf(zk, redis, pg).join();
        } catch (RuntimeException e) {
            zk.thenAccept(EmbeddedZooKeeper::close);
            redis.thenAccept(EmbeddedRedis::close);
            pg.thenAccept(p -> {
                if (p != null) {
                    p.close();
                }
            });
            throw e;
        }
        return new DemoServers(zk.join(), redis.join(), pg.join());
    }

    String zookeeperConnect() {
        return zookeeper.connectString();
    }

    int zookeeperServers() {
        return zookeeper.size();
    }

    String redisUri() {
        return redis.uri();
    }

    /** PostgreSQL, if it was started. */
    Optional<EmbeddedPostgreSql> postgres() {
        return Optional.ofNullable(postgres);
    }

    /** Kills the current leader; returns its address, or empty if no leader could be found. */
    Optional<String> killLeader() throws Exception {
        return zookeeper.killLeader();
    }

    /** Whether some server is leader again. */
    boolean hasLeader() {
        return zookeeper.hasLeader();
    }

    @Override
    public void close() {
        if (postgres != null) {
            postgres.close();
        }
        redis.close();
        zookeeper.close();
    }
}
