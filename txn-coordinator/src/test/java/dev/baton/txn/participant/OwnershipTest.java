package dev.baton.txn.participant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.txn.internal.store.TxnNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Which instance of a participant prepares a branch: the rendezvous rule, without a server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class OwnershipTest {

    private static String owner(String txnId, List<String> instances) {
        String best = null;
        long bestScore = 0;
        for (String instance : instances) {
            long score = HostedParticipant.rendezvous(txnId, instance);
            if (best == null || score > bestScore || (score == bestScore && instance.compareTo(best) < 0)) {
                best = instance;
                bestScore = score;
            }
        }
        return best;
    }

    @Test
    void branchesSpreadOverTheInstances() {
        List<String> instances = List.of("1234@host-a-1", "1234@host-a-2", "999@host-b-1");
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            counts.merge(owner(TxnNames.newTxnId(i), instances), 1, Integer::sum);
        }
        assertThat(counts).hasSize(3);
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
    }

    @Test
    void anInstanceLeavingMovesOnlyItsOwnBranches() {
        List<String> three = List.of("a-1", "a-2", "a-3");
        List<String> two = List.of("a-1", "a-3");
        for (int i = 0; i < 1000; i++) {
            String txnId = TxnNames.newTxnId(i);
            String before = owner(txnId, three);
            if (!before.equals("a-2")) {
                assertThat(owner(txnId, two)).as(txnId).isEqualTo(before);
            }
        }
    }
}
