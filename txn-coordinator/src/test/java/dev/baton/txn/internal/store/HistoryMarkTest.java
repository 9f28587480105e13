package dev.baton.txn.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The history's trim mark: what it lets a reader conclude, and its codec. No server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class HistoryMarkTest {

    private static final String OLD = TxnNames.newTxnId(1_000);
    private static final String NEW = TxnNames.newTxnId(2_000);

    @Test
    void anEmptyHistoryNodeWasNeverTrimmed() throws Exception {
        assertThat(TxnCodec.mark("/h", new byte[0])).isEqualTo(HistoryMark.NONE);
        assertThat(TxnCodec.mark("/h", null)).isEqualTo(HistoryMark.NONE);
        assertThat(HistoryMark.NONE.holdsAllFrom(OLD)).isTrue();
    }

    @Test
    void trimmingATransactionCoversItAndEveryOlderOne() {
        HistoryMark mark = HistoryMark.NONE.including(NEW);
        assertThat(mark.holdsAllFrom(NEW)).isFalse();
        assertThat(mark.holdsAllFrom(OLD)).isFalse();
        assertThat(mark.holdsAllFrom(TxnNames.newTxnId(2_001))).isTrue();
        assertThat(mark.including(OLD)).as("it never goes down").isEqualTo(mark);
    }

    @Test
    void itRoundTripsAndAForeignNodeIsRecognised() throws Exception {
        HistoryMark mark = new HistoryMark(123_456);
        assertThat(TxnCodec.mark("/h", TxnCodec.mark(mark))).isEqualTo(mark);
        assertThat(new String(TxnCodec.mark(mark), StandardCharsets.UTF_8))
                .isEqualTo("{\"baton\":\"history/1\",\"trimmedThrough\":123456}");
        assertThatThrownBy(() -> TxnCodec.mark("/h", "10.0.0.1".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(CorruptNodeException.class).hasMessageContaining("/h");
    }
}
