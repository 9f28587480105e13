package dev.baton.soak;

import dev.baton.soak.cluster.BankServers;
import dev.baton.txn.Vote;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.xa.XaParticipant;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.postgresql.xa.PGXADataSource;

/**
 * A participant-host JVM of the distributed 2PC workload, the public API only:
 * {@link ParticipantHost#builder(Map)} hosting both banks as {@link XaParticipant}s, whose work
 * applies a branch's {@code account:delta} (voting NO rather than take an account below zero) and
 * writes the {@code transfers} row. Every host hosts both banks, so when the nemesis kills or
 * stops one, the other takes its branches over.
 *
 * <p>Arguments: {@code harnessPort name portA portB abortGraceMs key=value...}; stops when stdin closes.
 */
public final class ParticipantWorker {

    private ParticipantWorker() {
    }

    /** Entry point of the participant-host JVM. */
    public static void main(String[] args) throws Exception {
        WorkerLink link = WorkerLink.connect(Integer.parseInt(args[0]), args[1]);
        Map<String, Integer> ports = Map.of(BankServers.BANKS.get(0), Integer.parseInt(args[2]),
                BankServers.BANKS.get(1), Integer.parseInt(args[3]));
        Duration grace = Duration.ofMillis(Long.parseLong(args[4]));
        Map<String, String> config = WorkerLink.config(args, 5);
        ParticipantHost host = link.retry("open-failed", () -> {
            ParticipantHost.Builder builder = ParticipantHost.builder(config);
            for (String bank : BankServers.BANKS) {
                PGXADataSource ds = new PGXADataSource();
                ds.setUrl(BankServers.url(ports.get(bank), bank));
                builder.participant(bank, new XaParticipant(ds, (connection, branch) -> {
                    String[] parts = new String(branch.payload(), StandardCharsets.UTF_8).split(":");
                    int account = Integer.parseInt(parts[0]);
                    return TransferWorker.apply(connection, branch.txnId(), account, Long.parseLong(parts[1]))
                            ? Vote.yes() : Vote.no("insufficient funds in " + bank + " account " + account);
                }));
            }
            return builder.abortGrace(grace).threads(8).start();
        });
        link.send("READY", link.name(), Long.toString(Micros.now()));
        while (!link.stopping()) {
            WorkerLink.sleep(100);
        }
        host.close();
        link.send("BYE", link.name(), Long.toString(Micros.now()));
        link.close();
        System.exit(0);
    }
}
