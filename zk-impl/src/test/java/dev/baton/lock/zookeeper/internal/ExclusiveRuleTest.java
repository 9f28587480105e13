package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The mutex's rule, as a pure function of the queue: no server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ExclusiveRuleTest {

    private static final List<String> QUEUE = List.of(
            "lease-aaaaaaaaaaaaaaaa-0000000003", "lease-bbbbbbbbbbbbbbbb-0000000007",
            "lease-cccccccccccccccc-0000000008", "lease-dddddddddddddddd-0000000012");

    private final QueueRule rule = ExclusiveRule.INSTANCE;

    @Test
    void theHeadOfTheQueueHoldsTheLock() {
        assertThat(rule.position(QUEUE, 0)).isEqualTo(QueuePosition.holding());
        assertThat(rule.position(List.of("lease-aaaaaaaaaaaaaaaa-0000000001"), 0).holds()).isTrue();
    }

    @Test
    void everyOtherNodeWatchesTheNodeJustBeforeIt() {
        for (int mine = 1; mine < QUEUE.size(); mine++) {
            QueuePosition position = rule.position(QUEUE, mine);
            assertThat(position.holds()).isFalse();
            assertThat(position.watch()).isEqualTo(QUEUE.get(mine - 1));
        }
    }

    @Test
    void onlyTheHoldersSuccessorHoldsOnceTheWatchedNodeIsGone() {
        assertThat(rule.position(QUEUE, 1).holdsOnceWatchedGone()).isTrue();
        assertThat(rule.position(QUEUE, 2).holdsOnceWatchedGone()).isFalse();
        assertThat(rule.position(QUEUE, 3).holdsOnceWatchedGone()).isFalse();
    }

    @Test
    void aWatchedNodeThatHeldAndLeftAlwaysMakesItsWatcherTheHolder() {
        for (int mine = 1; mine < QUEUE.size(); mine++) {
            assertThat(rule.position(QUEUE, mine).holdsOnceWatchedReleased()).isTrue();
        }
    }

    /** The rule is monotonic: dropping nodes before ours never makes a holder a waiter, as the engine assumes. */
    @Test
    void removingAnyNodeBeforeOursNeverTurnsAHolderIntoAWaiter() {
        for (int mine = 0; mine < QUEUE.size(); mine++) {
            boolean holds = rule.position(QUEUE, mine).holds();
            for (int gone = 0; gone < mine; gone++) {
                List<String> shorter = new ArrayList<>(QUEUE);
                shorter.remove(gone);
                assertThat(!holds || rule.position(shorter, mine - 1).holds()).isTrue();
            }
        }
    }

    @Test
    void holdsOnceWatchedGoneIsWhatTheRuleSaysOfTheQueueWithoutTheWatchedNode() {
        for (int mine = 1; mine < QUEUE.size(); mine++) {
            QueuePosition position = rule.position(QUEUE, mine);
            List<String> without = new ArrayList<>(QUEUE);
            without.remove(position.watch());
            assertThat(rule.position(without, mine - 1).holds()).isEqualTo(position.holdsOnceWatchedGone());
        }
    }

    @Test
    void aPositionOutsideTheQueueIsABug() {
        assertThatThrownBy(() -> rule.position(QUEUE, 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> rule.position(List.of(), 0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aPositionIsEitherHoldingOrWaitingForANode() {
        assertThatThrownBy(() -> new QueuePosition(true, "lease-x-0000000001", false, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QueuePosition(false, null, false, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new QueuePosition(true, null, true, false))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /** A recipe's rule plugs in the same way: a semaphore of two permits, written as a test would. */
    @Test
    void aRuleOfAnotherRecipeIsJustAnotherFunction() {
        QueueRule twoPermits = (queue, mine) -> mine < 2 ? QueuePosition.holding()
                : QueuePosition.waitingFor(queue.get(mine - 2), mine == 2, false);
        assertThat(twoPermits.position(QUEUE, 1).holds()).isTrue();
        assertThat(twoPermits.position(QUEUE, 2).watch()).isEqualTo(QUEUE.get(0));
        assertThat(twoPermits.position(QUEUE, 3).holdsOnceWatchedGone()).isFalse();
    }
}
