package dev.baton.spring.boot.app;

import dev.baton.spring.boot.txn.BatonParticipant;
import dev.baton.txn.participant.Branch;
import dev.baton.txn.participant.Participant;
import dev.baton.txn.Vote;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

/** The application the starter's tests run: one service with locked methods, one 2PC participant. */
@SpringBootConfiguration
@EnableAutoConfiguration
public class TestApplication {

    @Bean
    OrderService orderService() {
        return new OrderService();
    }

    @Bean
    @BatonParticipant("ledger")
    RecordingParticipant ledgerParticipant() {
        return new RecordingParticipant();
    }

    /** A participant that votes YES and remembers what it committed. */
    public static final class RecordingParticipant implements Participant {

        final Set<String> committed = ConcurrentHashMap.newKeySet();

        @Override
        public Vote prepare(Branch branch) {
            return Vote.yes();
        }

        @Override
        public void commit(Branch branch) {
            committed.add(branch.txnId());
        }

        @Override
        public void abort(Branch branch) {
        }

        public Set<String> committed() {
            return committed;
        }
    }
}
