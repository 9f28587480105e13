package dev.baton.txn.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionState;
import dev.baton.txn.Vote;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The one stored format: every kind of node round-trips, and foreign or damaged ones are named. No server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class TxnCodecTest {

    private static final String TXN = TxnNames.newTxnId(1_733_136_000_000L);

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void everyKindRoundTrips() throws Exception {
        TxnRecord record = new TxnRecord(TXN, 1_733_136_005_000L, List.of("a", "b"), "123@host#1");
        assertThat(TxnCodec.record(TXN, TxnCodec.record(record))).isEqualTo(record);

        CastVote yes = new CastVote(Vote.yes(), TxnNames.newAttempt());
        CastVote no = new CastVote(Vote.no("insufficient funds\nin account 3"), null);
        assertThat(TxnCodec.vote(TXN, "a", TxnCodec.vote(yes))).isEqualTo(yes);
        assertThat(TxnCodec.vote(TXN, "b", TxnCodec.vote(no))).isEqualTo(no);

        Decision decision = Decision.abort("participant 'b' voted NO: \"quoted\" \\ and more");
        assertThat(TxnCodec.decision(TXN, TxnCodec.decision(decision))).isEqualTo(decision);

        assertThat(TxnCodec.ackHeuristic(TXN, "a", TxnCodec.ack(null))).isNull();
        assertThat(TxnCodec.ack(null)).isEmpty();
        assertThat(TxnCodec.ackHeuristic(TXN, "a", TxnCodec.ack("ROLLED_BACK: by hand"))).isEqualTo("ROLLED_BACK: by hand");

        Map<String, Vote> votes = new LinkedHashMap<>();
        votes.put("a", Vote.yes());
        votes.put("b", Vote.no("refused"));
        Outcome outcome = new Outcome(TXN, TransactionState.ABORTED, "participant 'b' voted NO: refused",
                List.of("a", "b", "c"), votes, Instant.ofEpochMilli(1_733_136_000_123L), Map.of("a", "COMMITTED: x"));
        assertThat(TxnCodec.outcome(TXN, TxnCodec.outcome(outcome))).isEqualTo(outcome);

        assertThat(TxnCodec.mark("/h", TxnCodec.mark(new HistoryMark(42)))).isEqualTo(new HistoryMark(42));
    }

    @Test
    void theStoredTextIsReadableJsonThatNamesWhatItIs() {
        String text = new String(TxnCodec.decision(Decision.commit("all 2 participants voted YES")),
                StandardCharsets.UTF_8);
        assertThat(text).isEqualTo("{\"baton\":\"decision/1\",\"decision\":\"COMMIT\","
                + "\"reason\":\"all 2 participants voted YES\"}");
    }

    @Test
    void foreignNodesAreRecognisedAndNamed() {
        assertThatThrownBy(() -> TxnCodec.record(TXN, bytes("garbage"))).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining(TXN).hasMessageContaining("not a Baton txn record").hasMessageContaining("garbage");
        assertThatThrownBy(() -> TxnCodec.decision(TXN, bytes("MAYBE"))).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("decision");
        assertThatThrownBy(() -> TxnCodec.vote(TXN, "a", TxnCodec.decision(Decision.commit("x"))))
                .as("a decision where a vote belongs").isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("vote of participant 'a'");
        assertThatThrownBy(() -> TxnCodec.record(TXN, new byte[0])).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("an empty node");
    }

    @Test
    void damagedNodesSayWhatIsWrong() {
        assertThatThrownBy(() -> TxnCodec.record(TXN, bytes("{\"baton\":\"txn/2\",\"deadline\":\"soon\","
                + "\"participants\":[\"a\"],\"createdBy\":\"x\"}"))).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("'deadline' is not a whole number");
        assertThatThrownBy(() -> TxnCodec.record(TXN, bytes("{\"baton\":\"txn/2\",\"deadline\":1,"
                + "\"participants\":[\"../x\"],\"createdBy\":\"x\"}"))).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("damaged");
        assertThatThrownBy(() -> TxnCodec.vote(TXN, "a", bytes("{\"baton\":\"vote/1\",\"vote\":\"YES\"}")))
                .isInstanceOf(CorruptNodeException.class).hasMessageContaining("no 'attempt'");
        assertThatThrownBy(() -> TxnCodec.vote(TXN, "a", bytes("{\"baton\":\"vote/1\",\"vote\":\"MAYBE\"}")))
                .isInstanceOf(CorruptNodeException.class).hasMessageContaining("neither YES nor NO");
        assertThatThrownBy(() -> TxnCodec.outcome(TXN, bytes("{\"baton\":\"outcome/1\",\"state\":\"LOST\"}")))
                .isInstanceOf(CorruptNodeException.class);
    }

    @Test
    void anInboxEntryCarriesTheRecordAndAnyPayloadAsItIs() throws Exception {
        TxnRecord record = new TxnRecord(TXN, 1_733_136_005_000L, List.of("a", "b"), "123@host#1");
        byte[] payload = {0, '\n', (byte) 0xff, '{', '"', 10, 13};
        TxnCodec.Entry entry = TxnCodec.entry(TXN, "b", TxnCodec.entry(record, payload));
        assertThat(entry.record()).isEqualTo(record);
        assertThat(entry.payload()).isEqualTo(payload);
        assertThat(TxnCodec.entry(TXN, "a", TxnCodec.entry(record, new byte[0])).payload()).isEmpty();

        assertThatThrownBy(() -> TxnCodec.entry(TXN, "a", new byte[0])).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("inbox entry of participant 'a'").hasMessageContaining("no line break");
        assertThatThrownBy(() -> TxnCodec.entry(TXN, "c", TxnCodec.entry(record, payload)))
                .isInstanceOf(CorruptNodeException.class).hasMessageContaining("does not list 'c'");
        assertThatThrownBy(() -> TxnCodec.entry(TXN, "a", bytes("{\"baton\":\"vote/1\"}\nx")))
                .isInstanceOf(CorruptNodeException.class).hasMessageContaining("inbox entry");
    }

    /**
     * A record or entry of the layout with container nodes ({@code txn/1}, {@code entry/1}) is
     * refused with the reason, not read as damaged or driven with this layout's paths.
     */
    @Test
    void aTransactionOfTheContainerLayoutIsRefusedAsAnotherBuilds() {
        assertThatThrownBy(() -> TxnCodec.record(TXN, bytes("{\"baton\":\"txn/1\",\"deadline\":1,"
                + "\"participants\":[\"a\"],\"createdBy\":\"x\"}"))).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("written by another Baton build (format txn/1)")
                .hasMessageContaining("reads format txn/2 only");
        assertThatThrownBy(() -> TxnCodec.entry(TXN, "a", bytes("{\"baton\":\"entry/1\",\"deadline\":1,"
                + "\"participants\":[\"a\"],\"createdBy\":\"x\"}\nx"))).isInstanceOf(CorruptNodeException.class)
                .hasMessageContaining("format entry/1");
    }
}
