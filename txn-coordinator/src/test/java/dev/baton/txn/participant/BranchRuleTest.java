package dev.baton.txn.participant;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.txn.Vote;
import dev.baton.txn.internal.store.CastVote;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnRecord;
import dev.baton.txn.participant.BranchRule.Step;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A branch task's rule, case by case, without a server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BranchRuleTest {

    private static final TxnRecord RECORD = new TxnRecord("tx-000000000001-0000000000000001", 1_000, List.of("a"),
            "test");
    private static final long GRACE = 500;

    private static final class View {
        boolean orphan;
        Set<String> attempts = Set.of();
        boolean owns = true;
        boolean tookOver;
        boolean entryGone;
        boolean read = true;
        boolean entryChecked;
        boolean entryExists = true;
        TxnRecord record = RECORD;
        boolean recordRead;
        CastVote mine;
        Decision decision;
        long now = 500;

        BranchRule.Next next() {
            return BranchRule.next(new BranchRule.View(orphan, attempts, owns, tookOver, entryGone, read, entryChecked,
                    entryExists, record, recordRead, mine, decision, now, GRACE));
        }

        Step step() {
            return next().step();
        }
    }

    @Test
    void anInstanceThatDoesNotOwnTheBranchStandsByUntilTheDeadlinePlusGrace() {
        View view = new View();
        view.owns = false;
        view.record = null;
        view.read = false;
        assertThat(view.step()).isEqualTo(Step.READ_RECORD_FOR_STANDBY);
        view.record = RECORD;
        BranchRule.Next standBy = view.next();
        assertThat(standBy.step()).isEqualTo(Step.STAND_BY);
        assertThat(standBy.wakeAt()).isEqualTo(RECORD.deadlineMillis() + GRACE + 1);
        view.now = RECORD.deadlineMillis() + GRACE;
        assertThat(view.step()).isEqualTo(Step.TAKE_OVER);
        view.entryGone = true;
        assertThat(view.step()).as("the owner finished it").isEqualTo(Step.ENTRY_GONE);
    }

    @Test
    void attemptsOrAVoteMakeABranchThisInstancesWhoeverOwnsIt() {
        View view = new View();
        view.owns = false;
        view.attempts = Set.of("0123456789ab");
        view.read = false;
        assertThat(view.step()).isEqualTo(Step.READ);
    }

    @Test
    void aStaleEventOrAGoneRecordEndsTheTask() {
        View view = new View();
        view.entryChecked = true;
        view.entryExists = false;
        assertThat(view.step()).isEqualTo(Step.ENTRY_GONE);
        view.entryChecked = false;
        view.record = null;
        assertThat(view.step()).isEqualTo(Step.VANISHED);
    }

    @Test
    void anUnvotedBranchPreparesOrVotesFromWhatItKnows() {
        View view = new View();
        assertThat(view.step()).isEqualTo(Step.PREPARE);
        view.attempts = Set.of("0123456789ab");
        assertThat(view.step()).as("prepared before a crash").isEqualTo(Step.VOTE_RECOVERED);
        view.attempts = Set.of();
        view.now = RECORD.deadlineMillis();
        assertThat(view.step()).as("the request came too late").isEqualTo(Step.VOTE_LATE);
    }

    @Test
    void aYesVoterWaitsForTheDecisionUntilTheDeadlinePlusGraceThenAbortsItself() {
        View view = new View();
        view.mine = new CastVote(Vote.yes(), "0123456789ab");
        view.attempts = Set.of("0123456789ab");
        BranchRule.Next await = view.next();
        assertThat(await.step()).isEqualTo(Step.AWAIT_DECISION);
        assertThat(await.wakeAt()).isEqualTo(RECORD.deadlineMillis() + GRACE + 1);
        view.now = RECORD.deadlineMillis() + GRACE;
        assertThat(view.step()).isEqualTo(Step.ABORT_ITSELF);
        view.mine = new CastVote(Vote.no("refused"), null);
        view.attempts = Set.of();
        view.now = 0;
        assertThat(view.step()).as("a NO carries its ABORT").isEqualTo(Step.ABORT_ITSELF);
    }

    @Test
    void otherAttemptsThanTheVotedOneAreRolledBackAtOnceAndTheDecisionApplied() {
        View view = new View();
        view.mine = new CastVote(Vote.yes(), "0123456789ab");
        view.attempts = Set.of("0123456789ab", "ba9876543210");
        assertThat(view.step()).isEqualTo(Step.ROLL_BACK_LOSERS);
        view.decision = Decision.commit("all voted YES");
        assertThat(view.step()).isEqualTo(Step.APPLY);
    }

    @Test
    void anOrphanOnlyFollowsTheDecision() {
        View view = new View();
        view.orphan = true;
        view.attempts = Set.of("0123456789ab");
        assertThat(view.step()).isEqualTo(Step.ORPHAN_WAIT);
        view.decision = Decision.abort("x");
        assertThat(view.step()).isEqualTo(Step.APPLY);
    }
}
