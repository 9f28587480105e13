package dev.baton.soak;

import dev.baton.soak.cluster.BankServers;
import dev.baton.txn.Outcome;
import dev.baton.txn.OutcomeUnknownException;
import dev.baton.txn.TransactionState;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.postgresql.xa.PGXADataSource;

/**
 * A worker JVM of the 2PC workload, the public API only: {@link XaTransactions#builder(Map)} on
 * its own ZooKeeper connection, the two banks registered as XA resources, and in a loop a transfer
 * of a random amount from an account of one bank to an account of the other, in one
 * {@link XaTransaction}. The debit refuses to take an account below zero (the caller rolls back:
 * an abort that is not a fault). Both sides write a {@code transfers} row under the transaction id.
 *
 * <p>This JVM is the coordinator of its transactions (it prepares, decides and commits), and its
 * {@code XaTransactions} also runs recovery for every other worker's transactions: when the nemesis
 * kills or stops one worker, the others finish what it left prepared.
 *
 * <p>History lines, stamped in µs: {@code TXB worker txnId t fromBank:account toBank:account amount}
 * when the work begins, and {@code TXO worker txnId tCommit tEnd outcome detail} with what the
 * caller was told: {@code COMMITTED}, {@code ABORTED}, {@code UNKNOWN} ({@link OutcomeUnknownException})
 * or {@code FAILED} (any other exception). A worker killed in between leaves no {@code TXO}.
 *
 * <p>Arguments: {@code harnessPort name accounts portA portB recoveryGraceMs break key=value...}
 * (the {@code baton.*} keys of the ZooKeeper connection); stops gracefully when stdin closes.
 * With {@code break} {@code true} (the self-test) it lies: every tenth transfer debits one bank
 * only, outside any transaction, and is reported committed; every tenth committed one is reported
 * aborted; and the first worker leaves a foreign prepared transaction behind.
 */
public final class TransferWorker {

    private static final Duration TXN_TIMEOUT = Duration.ofSeconds(10);

    private final String name;
    private final Writer out;
    private final int accounts;
    private final Map<String, Integer> ports;
    private final boolean broken;
    private volatile boolean stopping;

    private TransferWorker(String name, Writer out, int accounts, Map<String, Integer> ports, boolean broken) {
        this.name = name;
        this.out = out;
        this.accounts = accounts;
        this.ports = ports;
        this.broken = broken;
    }

    /** Entry point of the worker JVM. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String name = args[1];
        int accounts = Integer.parseInt(args[2]);
        Map<String, Integer> ports = Map.of(BankServers.BANKS.get(0), Integer.parseInt(args[3]),
                BankServers.BANKS.get(1), Integer.parseInt(args[4]));
        Duration grace = Duration.ofMillis(Long.parseLong(args[5]));
        boolean broken = Boolean.parseBoolean(args[6]);
        Map<String, String> config = new HashMap<>();
        for (int i = 7; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            config.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        TransferWorker worker = new TransferWorker(name,
                new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8), accounts, ports, broken);
        worker.send("HELLO", name, Long.toString(ProcessHandle.current().pid()));
        worker.watchStdin();
        if (broken && name.startsWith("w1-1")) {
            worker.leaveAForeignPreparedTransaction();
        }
        try (XaTransactions xa = worker.open(config, grace)) {
            worker.send("READY", name, Long.toString(Micros.now()));
            worker.loop(xa);
        }
        worker.send("BYE", name, Long.toString(Micros.now()));
        socket.close();
        System.exit(0);
    }

    /** Opens the XA path, retrying while ZooKeeper is unreachable (a restarted worker may meet a fault). */
    private XaTransactions open(Map<String, String> config, Duration grace) {
        for (int attempt = 1; ; attempt++) {
            try {
                XaTransactions.Builder builder = XaTransactions.builder(config);
                for (String bank : BankServers.BANKS) {
                    builder.resource(bank, dataSource(bank));
                }
                return builder.recoveryGrace(grace).recoveryInterval(Duration.ofSeconds(2)).threads(4).poolSize(2)
                        .start();
            } catch (RuntimeException e) {
                send("NOTE", name, Long.toString(Micros.now()), "open-failed", oneLine(e));
                if (attempt >= 60 || stopping) {
                    throw e;
                }
                sleep(500);
            }
        }
    }

    private PGXADataSource dataSource(String bank) {
        PGXADataSource ds = new PGXADataSource();
        ds.setUrl(BankServers.url(ports.get(bank), bank));
        return ds;
    }

    private void loop(XaTransactions xa) {
        long n = 0;
        while (!stopping) {
            n++;
            ThreadLocalRandom random = ThreadLocalRandom.current();
            int fromIndex = random.nextInt(2);
            String from = BankServers.BANKS.get(fromIndex);
            String to = BankServers.BANKS.get(1 - fromIndex);
            int fromAccount = 1 + random.nextInt(accounts);
            int toAccount = 1 + random.nextInt(accounts);
            long amount = 1 + random.nextInt(300);
            if (broken && n % 10 == 3) {
                oneSided(from, fromAccount, amount);
                continue;
            }
            try (XaTransaction tx = xa.begin(TXN_TIMEOUT)) {
                send("TXB", name, tx.id(), Long.toString(Micros.now()), from + ":" + fromAccount,
                        to + ":" + toAccount, Long.toString(amount));
                transfer(tx, from, fromAccount, to, toAccount, amount, broken && n % 10 == 7);
            } catch (RuntimeException e) {
                // begin() or close() failed: no transaction id was told to anyone, or its outcome was reported
                send("NOTE", name, Long.toString(Micros.now()), "transfer-failed", oneLine(e));
                sleep(100);
            }
        }
    }

    private void transfer(XaTransaction tx, String from, int fromAccount, String to, int toAccount, long amount,
                          boolean lie) {
        try {
            if (!apply(tx.connection(from), tx.id(), fromAccount, -amount)) {
                tx.rollback();
                told(tx.id(), Micros.now(), "ABORTED", "insufficient funds");
                return;
            }
            apply(tx.connection(to), tx.id(), toAccount, amount);
        } catch (SQLException | RuntimeException e) {
            // A row lock held by a stopped worker's branch (lock_timeout), a connection refused: roll back.
            try {
                tx.rollback();
                told(tx.id(), Micros.now(), "ABORTED", "work failed: " + oneLine(e));
            } catch (RuntimeException r) {
                told(tx.id(), Micros.now(), "FAILED", "rollback failed: " + oneLine(r));
            }
            return;
        }
        long commit = Micros.now();
        try {
            Outcome outcome = tx.commit();
            String state = outcome.state() == TransactionState.COMMITTED ? "COMMITTED" : "ABORTED";
            if (lie && outcome.state() == TransactionState.COMMITTED) {
                state = "ABORTED";
            }
            told(tx.id(), commit, state, String.valueOf(outcome.reason()));
        } catch (OutcomeUnknownException e) {
            told(tx.id(), commit, "UNKNOWN", oneLine(e));
        } catch (RuntimeException e) {
            told(tx.id(), commit, "FAILED", oneLine(e));
        }
    }

    private void told(String txnId, long commit, String outcome, String detail) {
        send("TXO", name, txnId, Long.toString(commit), Long.toString(Micros.now()), outcome,
                detail.replace('\t', ' ').replace('\n', ' '));
    }

    /** Applies {@code delta} to {@code account} and records it under {@code txnId}; false if it would go negative. */
    static boolean apply(Connection connection, String txnId, int account, long delta) throws SQLException {
        try (Statement s = connection.createStatement()) {
            // A branch left prepared by a dead worker holds its row locks until recovery: do not wait for ever.
            s.execute("SET LOCAL lock_timeout = '2s'");
        }
        try (PreparedStatement update = connection.prepareStatement(
                "UPDATE accounts SET balance = balance + ? WHERE id = ? AND balance + ? >= 0")) {
            update.setLong(1, delta);
            update.setInt(2, account);
            update.setLong(3, delta);
            if (update.executeUpdate() == 0) {
                return false;
            }
        }
        try (PreparedStatement insert = connection.prepareStatement(
                "INSERT INTO transfers (txn_id, account, delta) VALUES (?, ?, ?)")) {
            insert.setString(1, txnId);
            insert.setInt(2, account);
            insert.setLong(3, delta);
            insert.executeUpdate();
        }
        return true;
    }

    /** The self-test's broken transfer: one bank only, committed locally, and reported as a commit. */
    private void oneSided(String from, int account, long amount) {
        String txnId = "tx-selftest-" + name + "-" + System.nanoTime();
        long t = Micros.now();
        send("TXB", name, txnId, Long.toString(t), from + ":" + account, "-:0", Long.toString(amount));
        try (Connection c = java.sql.DriverManager.getConnection(BankServers.url(ports.get(from), from))) {
            c.setAutoCommit(false);
            if (apply(c, txnId, account, -amount)) {
                c.commit();
                told(txnId, t, "COMMITTED", "self-test: one side only");
            } else {
                c.rollback();
                told(txnId, t, "ABORTED", "insufficient funds");
            }
        } catch (SQLException e) {
            told(txnId, t, "FAILED", oneLine(e));
        }
    }

    /** The self-test's leftover: a prepared transaction nobody will finish, as a crashed foreign manager leaves. */
    private void leaveAForeignPreparedTransaction() {
        String bank = BankServers.BANKS.get(1);
        try (Connection c = java.sql.DriverManager.getConnection(BankServers.url(ports.get(bank), bank));
             Statement s = c.createStatement()) {
            s.execute("BEGIN");
            s.execute("PREPARE TRANSACTION 'soak-self-test-left-behind'");
        } catch (SQLException e) {
            send("NOTE", name, Long.toString(Micros.now()), "self-test-leftover-failed", oneLine(e));
        }
    }

    private void watchStdin() {
        Thread stdin = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // the harness closes our input to stop us
                }
            } catch (IOException e) {
                // same as closed
            }
            stopping = true;
        }, "stdin-watch");
        stdin.setDaemon(true);
        stdin.start();
    }

    /** Sends one history line; the harness is the only reader, and losing it ends the worker. */
    private void send(String... fields) {
        String line = String.join("\t", fields) + "\n";
        synchronized (out) {
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                System.err.println(name + ": lost the harness: " + e);
                Runtime.getRuntime().halt(3);
            }
        }
    }

    private static String oneLine(Throwable e) {
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        return message.replace('\t', ' ').replace('\n', ' ');
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
