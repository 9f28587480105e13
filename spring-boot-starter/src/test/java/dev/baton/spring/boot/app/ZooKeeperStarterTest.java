package dev.baton.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.lock.Lease;
import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.testkit.Timing;
import dev.baton.micrometer.MicrometerLockListener;
import dev.baton.micrometer.MicrometerTxnListener;
import dev.baton.spring.boot.BatonEndpoint;
import dev.baton.spring.boot.LockNotAcquiredException;
import dev.baton.txn.Outcome;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.TransactionCoordinator;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A real application context on a real ZooKeeper server: the lock client, {@code @WithLock} under
 * contention, the transaction beans, {@code /actuator/baton}, metrics, and health going DOWN with
 * the server and UP again when it returns.
 */
@ExtendWith(ServersAfterContext.class)
@SpringBootTest(classes = TestApplication.class, properties = {
        "baton.backend=zookeeper",
        "baton.zookeeper.session-timeout=30s",
        "baton.txn.timeout=10s",
        "management.endpoints.web.exposure.include=health,baton"})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@DirtiesContext
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ZooKeeperStarterTest {

    private static TestingServer server;

    @Autowired
    private LockClient locks;
    @Autowired
    private OrderService orders;
    @Autowired
    private TransactionCoordinator coordinator;
    @Autowired
    private ParticipantHost host;
    @Autowired
    private TestApplication.RecordingParticipant ledger;
    @Autowired
    private BatonEndpoint endpoint;
    @Autowired
    private MeterRegistry meters;
    @Autowired
    @Qualifier("batonHealthIndicator")
    private HealthIndicator health;
    @Autowired
    private ConfigurableApplicationContext context;

    @BeforeAll
    static void startServer() throws Exception {
        server = ServersAfterContext.closeLast(new TestingServer(true));
    }

    @DynamicPropertySource
    static void zookeeper(DynamicPropertyRegistry properties) {
        properties.add("baton.zookeeper.connect", () -> server.getConnectString());
    }

    @Test
    @Order(1)
    void theZooKeeperBackendAndTheTransactionBeansAreConfigured() {
        assertThat(locks.backend()).isEqualTo("zookeeper");
        assertThat(host.participants()).containsExactly("ledger");
        assertThat(context.getBeansOfType(MicrometerLockListener.class)).hasSize(1);
    }

    @Test
    @Order(2)
    void withLockExcludesConcurrentCallsFromSeveralThreads() throws Exception {
        Contention.callConcurrently(orders, 8, 25);
        assertThat(meters.get(MicrometerLockListener.ACQUIRE).tags("backend", "zookeeper", "outcome", "acquired")
                .timer().count()).isGreaterThanOrEqualTo(200);
    }

    @Test
    @Order(3)
    void withLockGivesUpWithItsOwnExceptionWhenTheLockStaysHeld() throws Exception {
        try (LockClient other = LockClients.open(Map.of("baton.backend", "zookeeper",
                "baton.zookeeper.connect", server.getConnectString()));
                Lease held = other.lock("reports/monthly").acquire()) {
            assertThat(held.isValid()).isTrue();
            long started = System.nanoTime();
            assertThatThrownBy(() -> orders.report("monthly")).isInstanceOf(LockNotAcquiredException.class)
                    .hasMessageContaining("reports/monthly");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Timing.scaled(Duration.ofSeconds(5)));
        }
        assertThat(orders.report("monthly")).isEqualTo("monthly");
    }

    @Test
    @Order(4)
    void theEndpointListsHeldLocksAndTransactions() throws Exception {
        Outcome outcome = coordinator.begin().branch("ledger", "debit 5".getBytes(StandardCharsets.UTF_8)).commit();
        assertThat(outcome.isCommitted()).isTrue();
        Timing.await().until(() -> ledger.committed().contains(outcome.txnId()));
        try (Lease lease = locks.lock("inventory/9").acquire()) {
            Map<String, Object> answer = endpoint.baton();
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> held = (List<Map<String, Object>>) ((Map<String, Object>) answer.get("locks")).get("held");
            assertThat(held).anySatisfy(lock -> {
                assertThat(lock).containsEntry("name", "inventory/9").containsEntry("fencingToken", lease.fencingToken());
            });
        }
        Timing.await().untilAsserted(() -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> transactions = (Map<String, Object>) endpoint.baton().get("transactions");
            assertThat(transactions.get("recent").toString()).contains(outcome.txnId()).contains("COMMITTED");
        });
        assertThat(meters.get(MicrometerTxnListener.COMMIT).tags("path", "distributed", "outcome", "committed")
                .timer().count()).isPositive();
        assertThat(meters.get(MicrometerTxnListener.PREPARE).tags("participant", "ledger", "vote", "yes").timer()
                .count()).isPositive();
        assertThat(meters.get(MicrometerTxnListener.IN_DOUBT).tags("participant", "ledger").gauge()).isNotNull();
        assertThat(meters.get(MicrometerTxnListener.OPEN).gauge()).isNotNull();
    }

    @Test
    @Order(99)
    void healthGoesDownWhenTheServerStopsAndUpWhenItReturns() throws Exception {
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
        server.stop();
        try {
            Timing.await().until(() -> health.health().getStatus().equals(Status.DOWN));
            assertThat(health.health().getDetails()).containsEntry("backend", "zookeeper").containsKey("error");
        } finally {
            server.restart();
        }
        Timing.await().atMost(Timing.scaled(Duration.ofSeconds(30)))
                .until(() -> health.health().getStatus().equals(Status.UP));
    }
}
