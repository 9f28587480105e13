package dev.baton.lock.zookeeper;

import dev.baton.lock.LockClient;
import dev.baton.lock.LockClients;
import dev.baton.lock.Leadership;
import java.util.Map;

/**
 * A child JVM for {@link ZooKeeperElectionFaultTest}: campaigns in election {@code args[1]} on the
 * server {@code args[0]} with a session of {@code args[2]} ms, prints {@code LEADER <term>} once it
 * leads, and then waits to be killed.
 */
public final class ElectionCandidateMain {

    private ElectionCandidateMain() {
    }

    public static void main(String[] args) throws Exception {
        LockClient client = LockClients.open(Map.of("baton.backend", "zookeeper",
                "baton.zookeeper.connect", args[0], "baton.zookeeper.session-timeout", args[2] + "ms"));
        Leadership leadership = client.election(args[1]).withPayload("child").campaign();
        System.out.println("LEADER " + leadership.term());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
