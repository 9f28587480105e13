package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The read-write and semaphore rules as pure functions of the queue: no server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RecipeRulesTest {

    private static String node(int sequence, String tag) {
        return "lease-" + String.format("%016x", sequence) + (tag.isEmpty() ? "" : "." + tag) + "-"
                + String.format("%010d", sequence);
    }

    private static String reader(int sequence) {
        return node(sequence, ReadWriteRule.READER_TAG);
    }

    private static String writer(int sequence) {
        return node(sequence, ReadWriteRule.WRITER_TAG);
    }

    @Test
    void readersShareUntilAWriterIsQueuedBeforeThem() {
        List<String> queue = List.of(reader(1), reader(2), writer(3), reader(4), writer(5), reader(6));
        assertThat(ReadWriteRule.READER.position(queue, 0).holds()).isTrue();
        assertThat(ReadWriteRule.READER.position(queue, 1).holds()).isTrue();
        QueuePosition behindWriter = ReadWriteRule.READER.position(queue, 3);
        assertThat(behindWriter.holds()).isFalse();
        assertThat(behindWriter.watch()).isEqualTo(writer(3));
        assertThat(behindWriter.holdsOnceWatchedGone()).isTrue();
        QueuePosition behindTwoWriters = ReadWriteRule.READER.position(queue, 5);
        assertThat(behindTwoWriters.watch()).isEqualTo(writer(5));
        assertThat(behindTwoWriters.holdsOnceWatchedGone()).as("another writer is still before it").isFalse();
        assertThat(behindTwoWriters.holdsOnceWatchedReleased()).isTrue();
    }

    @Test
    void aWriterHoldsOnlyAtTheHeadAndWatchesItsPredecessor() {
        List<String> queue = List.of(reader(1), reader(2), writer(3), writer(4));
        assertThat(ReadWriteRule.WRITER.position(List.of(writer(1)), 0).holds()).isTrue();
        QueuePosition behindReaders = ReadWriteRule.WRITER.position(queue, 2);
        assertThat(behindReaders.watch()).isEqualTo(reader(2));
        assertThat(behindReaders.holdsOnceWatchedGone()).isFalse();
        assertThat(behindReaders.holdsOnceWatchedReleased()).as("the reader before it was not alone").isFalse();
        QueuePosition behindWriter = ReadWriteRule.WRITER.position(queue, 3);
        assertThat(behindWriter.watch()).isEqualTo(writer(3));
        assertThat(behindWriter.holdsOnceWatchedReleased()).isTrue();
    }

    @Test
    void aSemaphoreAdmitsItsPermitsAndItsWaitersWatchTheQueue() {
        SemaphoreRule rule = new SemaphoreRule(3);
        List<String> queue = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            queue.add(node(i, rule.tag()));
        }
        for (int i = 0; i < 3; i++) {
            assertThat(rule.position(queue, i).holds()).isTrue();
        }
        assertThat(rule.position(queue, 3).holds()).isFalse();
        assertThat(rule.position(queue, 4).holds()).isFalse();
        assertThat(rule.watchesQueue()).isTrue();
    }

    @Test
    void aSemaphoreRefusesANodeWhoseHoldersUseAnotherCount() {
        SemaphoreRule three = new SemaphoreRule(3);
        SemaphoreRule five = new SemaphoreRule(5);
        List<String> queue = List.of(node(1, three.tag()), node(2, five.tag()));
        assertThat(three.position(queue, 0).holds()).isTrue();
        assertThat(five.position(queue, 1).refusal()).contains("3 permits").contains("asked for 5");
        assertThat(three.position(List.of(node(1, "r"), node(2, three.tag())), 1).refusal())
                .contains("unknown number");
    }

    @Test
    void permitCountsRoundTripThroughTheirTags() {
        for (int permits : new int[] {1, 2, 25, 26, 27, 676, 1_000_000, Integer.MAX_VALUE}) {
            String tag = SemaphoreRule.tagFor(permits);
            assertThat(tag).matches("[a-z]+");
            assertThat(SemaphoreRule.permitsOf(node(1, tag))).isEqualTo(permits);
        }
    }

    /**
     * Random queues of readers and writers, and of permits: every rule is monotonic (a holder keeps
     * holding when any earlier node leaves), and its two shortcut flags never grant too early.
     */
    @Test
    void rulesAreMonotonicAndTheirShortcutsAreSafe() {
        Random random = new Random(42);
        SemaphoreRule two = new SemaphoreRule(2);
        for (int round = 0; round < 2_000; round++) {
            int size = 1 + random.nextInt(7);
            List<String> rwQueue = new ArrayList<>();
            List<String> semQueue = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                rwQueue.add(random.nextBoolean() ? reader(i) : writer(i));
                semQueue.add(node(i, two.tag()));
            }
            for (int mine = 0; mine < size; mine++) {
                QueueRule rwRule = ReadWriteRule.isWriter(rwQueue.get(mine)) ? ReadWriteRule.WRITER : ReadWriteRule.READER;
                checkMonotonicAndShortcuts(rwRule, rwQueue, mine);
                checkMonotonicAndShortcuts(two, semQueue, mine);
            }
        }
    }

    private static void checkMonotonicAndShortcuts(QueueRule rule, List<String> queue, int mine) {
        QueuePosition position = rule.position(queue, mine);
        for (int gone = 0; gone < mine; gone++) {
            List<String> fewer = new ArrayList<>(queue);
            fewer.remove(gone);
            if (position.holds()) {
                assertThat(rule.position(fewer, mine - 1).holds()).as("%s: %s at %d after %d left", rule, queue, mine, gone)
                        .isTrue();
            }
        }
        if (position.holds()) {
            return;
        }
        int watched = queue.indexOf(position.watch());
        List<String> without = new ArrayList<>(queue);
        without.remove(watched);
        if (position.holdsOnceWatchedGone()) {
            assertThat(rule.position(without, mine - 1).holds()).as("%s: %s at %d once %d is gone", rule, queue, mine,
                    watched).isTrue();
        }
        if (position.holdsOnceWatchedReleased()) {
            // The watched node held; everything before it that would stop us has left before it did.
            QueueRule watchedRule = rule instanceof ReadWriteRule
                    ? (ReadWriteRule.isWriter(queue.get(watched)) ? ReadWriteRule.WRITER : ReadWriteRule.READER) : rule;
            if (watchedRule.position(queue, watched).holds()) {
                assertThat(rule.position(without, mine - 1).holds()).as("%s: %s at %d once holder %d left", rule, queue,
                        mine, watched).isTrue();
            }
        }
    }
}
