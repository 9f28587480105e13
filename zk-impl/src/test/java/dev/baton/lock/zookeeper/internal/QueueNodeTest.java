package dev.baton.lock.zookeeper.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Queue node names, and the listing that answers many attempts from one read: no server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class QueueNodeTest {

    @Test
    void queueNodesAreToldFromForeignChildrenAndOrderedBySequence() {
        List<String> children = List.of("lease-bbbbbbbbbbbbbbbb-0000000010", "not-a-lease",
                "lease-aaaaaaaaaaaaaaaa-0000000002", "lease-x-00000000zz", "lease-cccccccccccccccc.read-0000000005");
        assertThat(QueueNode.ordered(children)).containsExactly("lease-aaaaaaaaaaaaaaaa-0000000002",
                "lease-cccccccccccccccc.read-0000000005", "lease-bbbbbbbbbbbbbbbb-0000000010");
    }

    @Test
    void anAttemptIdMayCarryATagForRulesThatTellNodesApart() {
        String id = QueueNode.newAttemptId("read");
        String child = QueueNode.name(QueueNode.createPath("/baton/locks/x", id)) + "0000000004";
        assertThat(QueueNode.isQueueNode(child)).isTrue();
        assertThat(QueueNode.belongsTo(child, id)).isTrue();
        assertThat(QueueNode.tagOf(child)).isEqualTo("read");
        assertThat(QueueNode.tagOf("lease-aaaaaaaaaaaaaaaa-0000000002")).isEmpty();
        assertThatThrownBy(() -> QueueNode.newAttemptId("Read-1")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theListingFindsEveryNodeOfAnAttemptAlsoInALongQueue() {
        List<String> children = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            children.add("lease-" + (i == 7 || i == 30 ? "mine000000000000" : String.format("%016d", i)) + "-"
                    + String.format("%010d", 100 - i));
        }
        QueueListing listing = new QueueListing(children);
        int[] mine = listing.positionsOf("mine000000000000");
        assertThat(mine).hasSize(2);
        assertThat(listing.queue().get(mine[0])).endsWith(String.format("%010d", 70));
        assertThat(listing.positionsOf("nobody0000000000")).isEmpty();
    }
}
