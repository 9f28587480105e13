package dev.baton.cli;

import dev.baton.txn.Outcome;
import dev.baton.txn.admin.TransactionAdmin;
import dev.baton.txn.NoSuchTransactionException;
import dev.baton.txn.TransactionState;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code baton txn list|show|abort|forget}: look at transactions in ZooKeeper and act on one. */
@Command(name = "txn", mixinStandardHelpOptions = true,
        description = {"Inspect and resolve 2PC transactions in ZooKeeper. These commands only read, and write",
                "nothing but an operator's ABORT: run 'baton coordinator' to finish orphaned transactions."},
        subcommands = {TxnCommand.ListTxns.class, TxnCommand.Show.class, TxnCommand.Abort.class, TxnCommand.Forget.class},
        footer = {"", "Examples:", "  baton txn list --zookeeper zk1:2181", "  baton txn show tx-0192a1b2c3d4-5f6e7d8c9b0a1f2e",
                "  baton txn abort tx-0192a1b2c3d4-5f6e7d8c9b0a1f2e --reason 'stuck since the outage'",
                "", "Exit codes: 0 ok; 1 no such transaction; 77 refused (already decided, or not ended yet);",
                "69 ZooKeeper unreachable; 78 configuration error."})
final class TxnCommand {

    /**
     * A subcommand that runs with an admin on the configured ZooKeeper (no coordinator: it only
     * reads and aborts), printing to the command line's output.
     */
    abstract static class AdminCommand implements Callable<Integer> {
        @Mixin
        ConnectionOptions connection;
        @Spec
        CommandSpec spec;

        @Override
        public final Integer call() throws Exception {
            Map<String, String> config = connection.resolveForTransactions();
            PrintWriter out = spec.commandLine().getOut();
            try (TransactionAdmin admin = TransactionAdmin.open(config)) {
                return run(admin, out);
            } finally {
                out.flush();
            }
        }

        abstract int run(TransactionAdmin admin, PrintWriter out) throws Exception;
    }

    static String describe(Outcome outcome) {
        StringBuilder text = new StringBuilder(outcome.txnId()).append("  ").append(outcome.state());
        if (!outcome.reason().isEmpty()) {
            text.append("  (").append(outcome.reason()).append(')');
        }
        outcome.votes().forEach((participant, vote) -> text.append("\n  ").append(participant).append(": ").append(vote));
        return text.toString();
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Open transactions, then recent outcomes.")
    static final class ListTxns extends AdminCommand {
        @Option(names = "--recent", defaultValue = "20", paramLabel = "N", description = "Recent outcomes to show. Default: ${DEFAULT-VALUE}.")
        int recent;

        @Override
        int run(TransactionAdmin admin, PrintWriter out) {
            List<String> open = admin.openTransactions();
            out.printf("open transactions: %d%n", open.size());
            for (String id : open) {
                out.printf("  %s  %s%n", id, admin.state(id).map(TxnCommand::stateWord).orElse("ENDED"));
            }
            List<Outcome> outcomes = admin.recentOutcomes(recent);
            out.printf("recent outcomes: %d%n", outcomes.size());
            for (Outcome outcome : outcomes) {
                out.printf("  %s  %s  %s%n", outcome.txnId(), outcome.state(), outcome.reason());
            }
            return ExitCodes.OK;
        }
    }

    static String stateWord(TransactionState state) {
        return state == TransactionState.PREPARING ? "PREPARING (undecided)" : state + " (decided, being applied)";
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One transaction: state, reason, votes.")
    static final class Show extends AdminCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(TransactionAdmin admin, PrintWriter out) {
            Optional<Outcome> outcome = admin.outcome(id);
            if (outcome.isPresent()) {
                out.println(describe(outcome.get()));
            } else if (admin.state(id).isPresent()) {
                out.println(id + "  " + stateWord(admin.state(id).get()));
            } else {
                throw new CliException(ExitCodes.FAILED, "no transaction " + id + " in ZooKeeper or its recent history");
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "abort", mixinStandardHelpOptions = true,
            description = "Decide ABORT for an open transaction that has no decision yet; refused (77) if it has one.")
    static final class Abort extends AdminCommand {
        @Parameters(paramLabel = "ID")
        String id;
        @Option(names = "--reason", defaultValue = "aborted with baton txn abort", description = "Recorded with the decision.")
        String reason;

        @Override
        int run(TransactionAdmin admin, PrintWriter out) {
            boolean decided;
            try {
                decided = admin.abort(id, reason);
            } catch (IllegalArgumentException | NoSuchTransactionException e) {
                throw new CliException(ExitCodes.FAILED, e.getMessage());
            }
            if (!decided) {
                throw new CliException(ExitCodes.REFUSED, "refused: transaction " + id + " is already decided "
                        + admin.state(id).map(Object::toString).orElse("") + "; that decision stands");
            }
            out.println(id + "  ABORT decided; participants roll back their branches");
            return ExitCodes.OK;
        }
    }

    @Command(name = "forget", mixinStandardHelpOptions = true,
            description = "Remove an ended transaction from the history; refused (77) while it is still open.")
    static final class Forget extends AdminCommand {
        @Parameters(paramLabel = "ID")
        String id;

        @Override
        int run(TransactionAdmin admin, PrintWriter out) {
            if (admin.openTransactions().contains(id)) {
                throw new CliException(ExitCodes.REFUSED, "refused: transaction " + id
                        + " has not ended (it is still in ZooKeeper); only ended transactions can be forgotten");
            }
            if (!admin.forget(id)) {
                throw new CliException(ExitCodes.FAILED, "no transaction " + id + " in the history");
            }
            out.println(id + "  forgotten");
            return ExitCodes.OK;
        }
    }
}
