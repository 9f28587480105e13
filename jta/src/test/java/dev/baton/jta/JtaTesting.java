package dev.baton.jta;

import dev.baton.lock.testkit.Timing;
import dev.baton.lock.testkit.zookeeper.ZooKeeperServerExtension;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.curator.framework.CuratorFramework;

/** Clients, clocks and observers for the JTA tests. */
final class JtaTesting {

    private JtaTesting() {
    }

    /**
     * The session of {@link #client}: 20 s, scaled. These tests are about JTA, not about a session
     * ending, and the project's usual 1.5 s session ends on a starved machine (seen at a load of 30
     * on 2 cores: a decision refused because the session was gone, so a commit rolled back).
     * Children that are killed keep the short session, so that recovery sees them go quickly.
     */
    static final Duration SESSION = Timing.scaled(Duration.ofSeconds(20));

    /** A ZooKeeper test server that allows sessions of {@link #SESSION}. */
    static ZooKeeperServerExtension zooKeeper() {
        return ZooKeeperServerExtension.create().property("maxSessionTimeout", String.valueOf(SESSION.toMillis()));
    }

    /** A connected Curator client of {@code zk}'s server with a session of {@link #SESSION}, closed after the test. */
    static CuratorFramework client(ZooKeeperServerExtension zk) throws InterruptedException {
        return zk.connectedCurator(SESSION);
    }

    /** A builder with both bank databases registered, recovering at once what a dead instance left. */
    static BatonJta.Builder bank(CuratorFramework curator, int port) {
        return BatonJta.builder(curator)
                .dataSource("bank_a", Bank.dataSource(port, "bank_a"))
                .dataSource("bank_b", Bank.dataSource(port, "bank_b"))
                .recoveryGrace(Duration.ZERO);
    }

    /** The name of a JTA status, for assertions that read well. */
    static String status(int status) {
        return TransactionPhase.statusName(status);
    }

    /** A clock the test moves. */
    static final class ManualClock extends Clock {

        private final AtomicLong now = new AtomicLong(System.currentTimeMillis());

        void advance(Duration by) {
            now.addAndGet(by.toMillis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(now.get());
        }
    }

    /**
     * A synchronization that writes down each call and the status the thread's transaction manager
     * reported then: {@code "<name> before ACTIVE"}, {@code "<name> after COMMITTED (thread: COMMITTED)"}.
     */
    static final class Recorder implements Synchronization {

        private final String name;
        private final TransactionManager manager;
        private final List<String> events;

        Recorder(String name, TransactionManager manager, List<String> events) {
            this.name = name;
            this.manager = manager;
            this.events = events;
        }

        static List<String> events() {
            return new CopyOnWriteArrayList<>();
        }

        @Override
        public void beforeCompletion() {
            events.add(name + " before " + status(threadStatus()));
        }

        @Override
        public void afterCompletion(int status) {
            events.add(name + " after " + status(status) + " (thread: " + status(threadStatus()) + ")");
        }

        private int threadStatus() {
            try {
                return manager.getStatus();
            } catch (jakarta.transaction.SystemException e) {
                return Status.STATUS_UNKNOWN;
            }
        }
    }
}
