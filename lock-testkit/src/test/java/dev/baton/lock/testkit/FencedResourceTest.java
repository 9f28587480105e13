package dev.baton.lock.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 1, unit = TimeUnit.MINUTES)
class FencedResourceTest {

    private final FencedResource resource = new FencedResource();

    @Test
    void startsEmpty() {
        assertThat(resource.highestToken()).isEqualTo(Long.MIN_VALUE);
        assertThat(resource.values()).isEmpty();
        assertThat(resource.lastValue()).isNull();
        assertThat(resource.rejectedWrites()).isZero();
    }

    @Test
    void acceptsEqualAndHigherTokensAndRejectsOlderOnes() {
        assertThat(resource.write(5, "a")).isTrue();
        assertThat(resource.write(5, "b")).isTrue();
        assertThat(resource.write(4, "stale")).isFalse();
        assertThat(resource.write(9, "c")).isTrue();
        assertThat(resource.write(5, "stale again")).isFalse();

        assertThat(resource.values()).containsExactly("a", "b", "c");
        assertThat(resource.lastValue()).isEqualTo("c");
        assertThat(resource.highestToken()).isEqualTo(9);
        assertThat(resource.rejectedWrites()).isEqualTo(2);
    }

    @Test
    void rejectsNullValues() {
        assertThatThrownBy(() -> resource.write(1, null)).isInstanceOf(NullPointerException.class);
        assertThat(resource.values()).isEmpty();
    }

    @Test
    void concurrentWritesKeepAcceptedTokensInOrder() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        AtomicInteger accepted = new AtomicInteger();
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                writers.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        long token = ThreadLocalRandom.current().nextLong(10_000);
                        if (resource.write(token, Long.toString(token))) {
                            accepted.incrementAndGet();
                        }
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(Timing.defaultWait().toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Long> tokens = resource.values().stream().map(Long::valueOf).toList();
        assertThat(tokens).hasSize(accepted.get()).isSorted();
        assertThat(accepted.get() + resource.rejectedWrites()).isEqualTo(16_000);
        assertThat(resource.highestToken()).isEqualTo(tokens.get(tokens.size() - 1));
    }
}
