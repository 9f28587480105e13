package dev.baton.lock.zookeeper.ext;

import static org.assertj.core.api.Assertions.assertThat;

import dev.baton.lock.zookeeper.ext.KeeperFaults.Kind;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.KeeperException.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What each ZooKeeper result code means, decided in one place: no server. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class KeeperFaultsTest {

    @Test
    void lostConnectionsAndTimeoutsAreTransientAndLeaveAWritesOutcomeUnknown() {
        for (Code code : EnumSet.of(Code.CONNECTIONLOSS, Code.OPERATIONTIMEOUT, Code.REQUESTTIMEOUT)) {
            assertThat(KeeperFaults.classify(code)).as(code.name()).isEqualTo(Kind.CONNECTION);
            assertThat(KeeperFaults.isTransient(code)).isTrue();
            assertThat(KeeperFaults.mayHaveApplied(code)).isTrue();
        }
    }

    @Test
    void anEndedSessionIsTransientButAppliedNothingThatOutlivesIt() {
        for (Code code : EnumSet.of(Code.SESSIONEXPIRED, Code.SESSIONMOVED)) {
            assertThat(KeeperFaults.classify(code)).as(code.name()).isEqualTo(Kind.SESSION);
            assertThat(KeeperFaults.isTransient(code)).isTrue();
            assertThat(KeeperFaults.mayHaveApplied(code)).isFalse();
        }
    }

    @Test
    void answersAboutTheDataAreNotFaults() {
        for (Code code : EnumSet.of(Code.OK, Code.NONODE, Code.NODEEXISTS, Code.NOTEMPTY, Code.BADVERSION)) {
            assertThat(KeeperFaults.classify(code)).as(code.name()).isEqualTo(Kind.ANSWER);
            assertThat(KeeperFaults.isTransient(code)).isFalse();
        }
    }

    @Test
    void refusedCredentialsAndMalformedRequestsAreFinal() {
        assertThat(KeeperFaults.classify(Code.NOAUTH)).isEqualTo(Kind.AUTH);
        assertThat(KeeperFaults.classify(Code.AUTHFAILED)).isEqualTo(Kind.AUTH);
        assertThat(KeeperFaults.classify(Code.BADARGUMENTS)).isEqualTo(Kind.FATAL);
        assertThat(KeeperFaults.classify(Code.UNIMPLEMENTED)).isEqualTo(Kind.FATAL);
        assertThat(KeeperFaults.classify(Code.SYSTEMERROR)).isEqualTo(Kind.FATAL);
    }

    @ParameterizedTest
    @EnumSource(Code.class)
    void everyCodeHasExactlyOneMeaningAndOnlyTransientOnesMayHaveApplied(Code code) {
        Kind kind = KeeperFaults.classify(code);
        assertThat(kind).isNotNull();
        assertThat(!KeeperFaults.mayHaveApplied(code) || KeeperFaults.isTransient(code)).isTrue();
    }
}
