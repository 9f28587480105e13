package dev.baton.spring.boot.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Several threads calling one locked method at once, and what must hold afterwards. */
final class Contention {

    private Contention() {
    }

    static void callConcurrently(OrderService orders, int threads, int callsEach) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < callsEach; i++) {
                        orders.ship("42", null);
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(orders.calls()).isEqualTo(threads * callsEach);
        assertThat(orders.mostInside()).as("callers inside the locked method at once").isEqualTo(1);
        assertThat(orders.unsafeCounter()).as("no lost update").isEqualTo(threads * callsEach);
        List<Long> tokens = orders.tokens();
        for (int i = 1; i < tokens.size(); i++) {
            assertThat(tokens.get(i)).as("fencing tokens grow in the order of the calls").isGreaterThan(tokens.get(i - 1));
        }
    }
}
