package dev.baton.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * ZooKeeper's own write latency while something else loads the machine: a session of its own,
 * idle but for this, creates one 120-byte ephemeral sequential node (the size of Baton's
 * decision) every {@link #EVERY}, one at a time, synchronously, and keeps each create's time. Its
 * nodes go with its session.
 *
 * <p>What it answers: how long any coordinator's sequential ZooKeeper step takes under a given
 * load, with none of that coordinator's own requests ahead of it in the session.
 */
final class CreateProbe implements AutoCloseable {

    static final Duration EVERY = Duration.ofMillis(10);
    private static final String PARENT = "/bench-create-probe";

    private final CuratorFramework session;
    private final Thread thread;
    private final List<Long> nanos = new ArrayList<>();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile boolean stopping;

    private CreateProbe(CuratorFramework session) {
        this.session = session;
        this.thread = new Thread(this::loop, "bench-create-probe");
        this.thread.setDaemon(true);
    }

    /** Connects to {@code connectString} and starts creating. */
    static CreateProbe start(String connectString) throws Exception {
        CuratorFramework session = XaEngines.curator(connectString);
        try {
            session.getZookeeperClient().getZooKeeper()
                    .create(PARENT, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (KeeperException.NodeExistsException e) {
            // another probe made it: it is never deleted, and holds no data
        } catch (Exception e) {
            session.close();
            throw e;
        }
        CreateProbe probe = new CreateProbe(session);
        probe.thread.start();
        return probe;
    }

    private void loop() {
        byte[] data = new byte[120];
        Arrays.fill(data, (byte) 'p');
        long every = EVERY.toNanos();
        try {
            ZooKeeper zk = session.getZookeeperClient().getZooKeeper();
            long next = System.nanoTime();
            while (!stopping) {
                long started = System.nanoTime();
                zk.create(PARENT + "/p-", data, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL_SEQUENTIAL);
                long took = System.nanoTime() - started;
                synchronized (nanos) {
                    nanos.add(took);
                }
                next += every;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } else {
                    next = System.nanoTime(); // behind: no burst to catch up
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            failure.set(e);
        }
    }

    /**
     * Stops creating and returns each create's time in ms, in order.
     *
     * @throws IllegalStateException if a create failed, or none was made
     */
    double[] stop() throws InterruptedException {
        stopping = true;
        thread.join(TimeUnit.SECONDS.toMillis(30));
        Exception failed = failure.get();
        if (failed != null) {
            throw new IllegalStateException("a ZooKeeper create of the probe failed: " + failed, failed);
        }
        synchronized (nanos) {
            if (nanos.isEmpty()) {
                throw new IllegalStateException("the probe made no ZooKeeper create");
            }
            return nanos.stream().mapToDouble(n -> n / 1_000_000.0).toArray();
        }
    }

    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        session.close();
    }

    /** A connect string for servers on loopback at {@code ports}. */
    static String loopback(List<Integer> ports) {
        return String.join(",", ports.stream().map(port -> "127.0.0.1:" + port).toList());
    }
}
