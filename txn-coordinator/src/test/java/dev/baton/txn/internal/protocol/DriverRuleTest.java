package dev.baton.txn.internal.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.txn.Vote;
import dev.baton.txn.internal.protocol.DriverRule.Step;
import dev.baton.txn.internal.store.Decision;
import dev.baton.txn.internal.store.TxnRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The driver's rule, case by case, without a server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DriverRuleTest {

    private static final TxnRecord RECORD = new TxnRecord("tx-000000000001-0000000000000001", 1_000,
            List.of("a", "b"), "test");
    private static final Decision COMMIT = Decision.commit("all 2 participants voted YES");

    /** A view of a driver that claimed and drives, has read the record and the votes, before the deadline. */
    private static Builder driving() {
        return new Builder();
    }

    private static final class Builder {
        boolean beginUncertain;
        boolean claimed = true;
        boolean queueMissing;
        boolean driving = true;
        boolean callerWaiting;
        TxnRecord record = RECORD;
        boolean recordRead = true;
        Decision decision;
        boolean decisionRead = true;
        Map<String, Vote> votes = new LinkedHashMap<>();
        List<String> acks;
        boolean acksListed;
        long now = 500;
        DriverRule.Seen seen = DriverRule.Seen.NOTHING;

        Builder seen(boolean leaseHeld, Set<String> votes, boolean decision, Set<String> acks, boolean recordDeleted) {
            seen = new DriverRule.Seen(true, leaseHeld, votes, decision, acks, recordDeleted);
            return this;
        }

        Builder vote(String participant, Vote vote) {
            votes.put(participant, vote);
            return this;
        }

        DriverRule.Next next() {
            return DriverRule.next(new DriverRule.View(beginUncertain, claimed, queueMissing, driving, callerWaiting,
                    record, recordRead, decision, decisionRead, votes, acks, acksListed, now, seen));
        }

        Step step() {
            return next().step();
        }
    }

    @Test
    void anUncertainBeginIsResolvedBeforeAnythingElseAndTheLeaseIsClaimedFirst() {
        Builder view = driving();
        view.beginUncertain = true;
        view.claimed = false;
        assertThat(view.step()).isEqualTo(Step.RESOLVE_BEGIN);
        view.beginUncertain = false;
        assertThat(view.step()).isEqualTo(Step.CLAIM);
        view.claimed = true;
        view.queueMissing = true;
        assertThat(view.step()).isEqualTo(Step.QUEUE_MISSING);
    }

    @Test
    void aFollowerReadsNothingUnlessItsOwnCallerWaitsAndThenOnlyTheDecision() {
        Builder view = driving();
        view.driving = false;
        view.record = null;
        view.recordRead = false;
        view.decisionRead = false;
        assertThat(view.step()).isEqualTo(Step.FOLLOW);
        view.callerWaiting = true;
        assertThat(view.step()).isEqualTo(Step.READ_RECORD);
        view.record = RECORD;
        assertThat(view.step()).isEqualTo(Step.READ_DECISION);
        view.decisionRead = true;
        assertThat(view.step()).as("no decision yet: another instance drives").isEqualTo(Step.FOLLOW);
        view.decision = COMMIT;
        assertThat(view.step()).isEqualTo(Step.DELIVER);
        view.callerWaiting = false;
        assertThat(view.step()).as("a follower never collects").isEqualTo(Step.FOLLOW);
    }

    @Test
    void aRecordFoundGoneMeansTheTransactionWasCollected() {
        Builder view = driving();
        view.record = null;
        assertThat(view.step()).isEqualTo(Step.RECORD_GONE);
    }

    @Test
    void theDriverReadsVotesAndDecisionThenDecides() {
        Builder view = driving();
        view.decisionRead = false;
        assertThat(view.step()).isEqualTo(Step.READ_VOTES_AND_DECISION);
        view.decisionRead = true;
        view.vote("a", Vote.yes());
        DriverRule.Next waiting = view.next();
        assertThat(waiting.step()).isEqualTo(Step.WAIT_FOR_VOTES);
        assertThat(waiting.wakeAt()).as("woken just after the deadline").isEqualTo(RECORD.deadlineMillis() + 1);
        view.vote("b", Vote.yes());
        DriverRule.Next commit = view.next();
        assertThat(commit.step()).isEqualTo(Step.DECIDE);
        assertThat(commit.decision().commit()).isTrue();
    }

    @Test
    void anyNoOrTheDeadlineAborts() {
        assertThat(DriverRule.decide(RECORD, Map.of("a", Vote.yes(), "b", Vote.no("broke")), 0))
                .satisfies(d -> assertThat(d.commit()).isFalse()).extracting(Decision::reason).asString()
                .contains("'b' voted NO: broke");
        assertThat(DriverRule.decide(RECORD, Map.of("a", Vote.yes()), 999)).isNull();
        assertThat(DriverRule.decide(RECORD, Map.of("a", Vote.yes()), 1_000)).extracting(Decision::reason).asString()
                .contains("deadline").contains("[b]");
        assertThat(DriverRule.decide(RECORD, Map.of("a", Vote.yes(), "b", Vote.yes()), 5_000).commit())
                .as("every vote is in, even late: COMMIT").isTrue();
    }

    @Test
    void afterTheDecisionTheCallerIsToldThenTheAcksListedThenTheTransactionCollected() {
        Builder view = driving();
        view.decision = COMMIT;
        view.callerWaiting = true;
        assertThat(view.step()).isEqualTo(Step.DELIVER);
        view.callerWaiting = false;
        assertThat(view.step()).isEqualTo(Step.LIST_ACKS);
        view.acksListed = true;
        view.acks = List.of("a");
        assertThat(view.step()).isEqualTo(Step.WAIT_FOR_ACKS);
        view.acks = List.of("b", "a");
        assertThat(view.step()).isEqualTo(Step.COLLECT);
        view.acks = null;
        assertThat(view.step()).as("no ack parent: collected meanwhile").isEqualTo(Step.RECORD_GONE);
    }

    @Test
    void aListingNoLongerGoodIsListedAgain() {
        Builder view = driving();
        view.decision = COMMIT;
        view.acks = null; // an ack came since, or the session changed: the driver passes no listing
        view.acksListed = false;
        assertThat(view.step()).isEqualTo(Step.LIST_ACKS);
    }

    @Test
    void withTrustedEventsAFollowerReadsNothingWhileALeaseNodeIsThereAndClaimsWhenItGoes() {
        Builder follower = driving();
        follower.claimed = false;
        follower.driving = false;
        follower.seen(true, Set.of(), false, Set.of(), false);
        assertThat(follower.step()).isEqualTo(Step.FOLLOW);
        follower.seen(false, Set.of(), false, Set.of(), false);
        assertThat(follower.step()).as("no lease node: race for it").isEqualTo(Step.CLAIM);
        follower.seen(true, Set.of(), false, Set.of(), false);
        follower.callerWaiting = true;
        assertThat(follower.step()).as("a caller here waits: claim, then read the decision").isEqualTo(Step.CLAIM);
    }

    @Test
    void withTrustedEventsTheDriverDecidesOnSeenVoteNodesWithoutReadingThem() {
        Builder driver = driving();
        driver.decisionRead = false;
        driver.seen(false, Set.of("a"), false, Set.of(), false);
        DriverRule.Next waiting = driver.next();
        assertThat(waiting.step()).as("one vote missing, before the deadline").isEqualTo(Step.WAIT_FOR_VOTES);
        assertThat(waiting.wakeAt()).isEqualTo(RECORD.deadlineMillis() + 1);

        driver.seen(false, Set.of("a", "b"), false, Set.of(), false);
        DriverRule.Next commit = driver.next();
        assertThat(commit.step()).isEqualTo(Step.DECIDE);
        assertThat(commit.decision()).isEqualTo(COMMIT);

        driver.seen(false, Set.of("a"), false, Set.of(), false);
        driver.now = RECORD.deadlineMillis();
        DriverRule.Next abort = driver.next();
        assertThat(abort.step()).isEqualTo(Step.DECIDE);
        assertThat(abort.decision().commit()).isFalse();
        assertThat(abort.decision().reason()).contains("[b]");
    }

    @Test
    void withTrustedEventsADecisionSomeoneElseMadeIsReadWithTheVotes() {
        Builder driver = driving();
        driver.decisionRead = false;
        driver.seen(false, Set.of("a", "b"), true, Set.of(), false);
        assertThat(driver.step()).isEqualTo(Step.READ_VOTES_AND_DECISION);
    }

    @Test
    void withTrustedEventsTheAcksAreNeverListed() {
        Builder driver = driving();
        driver.decision = COMMIT;
        driver.seen(false, Set.of("a", "b"), true, Set.of("a"), false);
        assertThat(driver.step()).isEqualTo(Step.WAIT_FOR_ACKS);
        driver.seen(false, Set.of("a", "b"), true, Set.of("a", "b"), false);
        assertThat(driver.step()).isEqualTo(Step.COLLECT);
    }

    @Test
    void withTrustedEventsADeletedRecordMeansCollectedUnlessTheBeginIsUnresolved() {
        Builder driver = driving();
        driver.seen(false, Set.of(), false, Set.of(), true);
        assertThat(driver.step()).isEqualTo(Step.RECORD_GONE);
        driver.beginUncertain = true;
        assertThat(driver.step()).isEqualTo(Step.RESOLVE_BEGIN);
    }
}
