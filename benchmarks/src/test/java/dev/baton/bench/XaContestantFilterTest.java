package dev.baton.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code -Dbaton.bench.xa.contestants} keeps the floor and the families it names, and refuses a name that matches none. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class XaContestantFilterTest {

    private static final List<XaBench.XaContestant> ALL = List.of(
            contestant(XaBench.FLOOR),
            contestant("Atomikos 6.0.0"),
            contestant(XaBench.INPROC_ONE),
            contestant(XaBench.BATON_ONE),
            contestant(XaBench.BATON_THREE));

    private static XaBench.XaContestant contestant(String family) {
        return new XaBench.XaContestant(family, false, List.of(), XaEngines::floor);
    }

    private static List<String> families(String filter) {
        return XaBench.only(ALL, filter).stream().map(XaBench.XaContestant::family).toList();
    }

    @Test
    void blankKeepsEveryContestant() {
        assertThat(families("")).hasSize(ALL.size());
        assertThat(families("  ")).hasSize(ALL.size());
    }

    @Test
    void aFamilyWithCommasIsOneNameAndTheFloorStaysFirst() {
        assertThat(families("distributed, 1 ZooKeeper")).containsExactly(XaBench.FLOOR, XaBench.BATON_ONE);
        assertThat(families("Atomikos; distributed, 3-server"))
                .containsExactly(XaBench.FLOOR, "Atomikos 6.0.0", XaBench.BATON_THREE);
    }

    @Test
    void aNameThatMatchesNothingIsRefusedWithTheFamilies() {
        assertThatThrownBy(() -> families("Atomikso"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("baton.bench.xa.contestants=Atomikso names no contestant")
                .hasMessageContaining(XaBench.BATON_ONE);
    }
}
