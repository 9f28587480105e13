package dev.baton.bench;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.arjuna.coordinator.TxControl;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import com.atomikos.icatch.config.UserTransactionServiceImp;
import com.atomikos.icatch.jta.UserTransactionManager;
import com.atomikos.jdbc.AtomikosDataSourceBean;
import dev.baton.lock.zookeeper.ZooKeeperLockOptions;
import dev.baton.txn.Outcome;
import dev.baton.txn.TransactionCoordinator;
import dev.baton.txn.Vote;
import dev.baton.txn.participant.ParticipantHost;
import dev.baton.txn.xa.XaParticipant;
import dev.baton.txn.xa.XaTransaction;
import dev.baton.txn.xa.XaTransactions;
import dev.baton.txn.xa.XaWork;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.Op;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The ways of running one transfer atomically across the two bank servers, one per contestant of
 * the XA transfer group. Each gets its XA connections from {@link CheckedXaDataSource}s over the
 * same driver data sources and pools of the same size, so that every contestant's XA calls are
 * counted and its prepares checked alike.
 */
final class XaEngines {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /**
     * Atomikos logs through java.util.logging here (it looks for SLF4J 1's binder, and this class
     * path has SLF4J 2), an INFO line per setting and pool event; its warnings are kept. Held so
     * that the level is not lost with a collected logger.
     */
    private static final java.util.logging.Logger ATOMIKOS_LOG = java.util.logging.Logger.getLogger("com.atomikos");

    private XaEngines() {
    }

    /** One contestant's way of running transfers, set up once and closed after its group. */
    interface TransferEngine extends AutoCloseable {
        /**
         * Runs {@code transfer} until it is committed, as far as the contestant's caller waits.
         *
         * @throws Exception if it did not commit
         */
        void transfer(XaBank.Transfer transfer) throws Exception;

        /**
         * Waits until the work the contestant does after its callers' transfers returned (Baton's
         * acknowledgements and clean-up) is done, so that ZooKeeper's request counts of a round
         * are the round's own. Nothing to wait for by default.
         */
        default void quiesce() throws Exception {
        }
    }

    /** Builds a contestant's engine on the bank, with its counts and pool size. */
    @FunctionalInterface
    interface Factory {
        TransferEngine open(XaBank bank, PrepareCheck check, int poolSize) throws Exception;
    }

    /** The checked data source of server 0 (A) or 1 (B). */
    private static CheckedXaDataSource checked(XaBank bank, int server, PrepareCheck check) {
        return new CheckedXaDataSource(bank.xaDataSource(server), check);
    }

    /**
     * The floor: start, end, prepare and commit called by hand on the two XAResources, one after
     * the other, with no transaction log at all. Nothing could recover a transfer this crashes in.
     */
    static TransferEngine floor(XaBank bank, PrepareCheck check, int poolSize) {
        XaPool a = new XaPool(checked(bank, 0, check), poolSize);
        XaPool b = new XaPool(checked(bank, 1, check), poolSize);
        AtomicLong sequence = new AtomicLong();
        byte[] prefix = ("floor-" + INSTANCES.incrementAndGet() + "-").getBytes(StandardCharsets.US_ASCII);
        return new TransferEngine() {
            @Override
            public void transfer(XaBank.Transfer transfer) throws Exception {
                byHand(a, b, prefix, sequence, transfer, (ra, xidA, rb, xidB) -> {
                    ra.prepare(xidA);
                    rb.prepare(xidB);
                    ra.commit(xidA, false);
                    rb.commit(xidB, false);
                });
            }

            @Override
            public void close() {
                a.close();
                b.close();
            }
        };
    }

    /**
     * The floor with the least a coordinator that keeps its decision in ZooKeeper must add: the two
     * branches prepared in parallel (B's on a pool thread, A's on the caller's), one synchronous
     * {@code create} of a decision-sized node (120 bytes, as Baton's {@code xa-decision/1} record),
     * and the two branches committed in parallel. Nothing else is written: no batching, no check,
     * and the nodes are deleted only on close, so that no delete competes with the measured
     * creates. Not a transaction manager (nothing reads the nodes, nothing recovers), but a bound:
     * whatever any such coordinator does per transfer comes on top of this, except that it can
     * share one {@code create} among concurrent transfers, as Baton's group commit does.
     */
    static TransferEngine floorWithZooKeeper(XaBank bank, PrepareCheck check, int poolSize, String zooKeeper)
            throws Exception {
        XaPool a = new XaPool(checked(bank, 0, check), poolSize);
        XaPool b = new XaPool(checked(bank, 1, check), poolSize);
        ExecutorService branches = Executors.newFixedThreadPool(poolSize, runnable -> {
            Thread thread = new Thread(runnable, "zk-floor-branch");
            thread.setDaemon(true);
            return thread;
        });
        AtomicLong sequence = new AtomicLong();
        int instance = INSTANCES.incrementAndGet();
        byte[] prefix = ("zkfloor-" + instance + "-").getBytes(StandardCharsets.US_ASCII);
        String parent = "/bench-xa-zk-floor-" + instance;
        byte[] decision = new byte[120];
        Arrays.fill(decision, (byte) 'd');
        Queue<String> created = new ConcurrentLinkedQueue<>();
        CuratorFramework session = null;
        ZooKeeper zk;
        try {
            session = curator(zooKeeper);
            zk = session.getZookeeperClient().getZooKeeper();
            zk.create(parent, new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
        } catch (Exception e) {
            branches.shutdownNow();
            if (session != null) {
                session.close();
            }
            a.close();
            b.close();
            throw e;
        }
        CuratorFramework client = session;
        return new TransferEngine() {
            @Override
            public void transfer(XaBank.Transfer transfer) throws Exception {
                byHand(a, b, prefix, sequence, transfer, (ra, xidA, rb, xidB) -> {
                    Future<?> preparedB = branches.submit(() -> rb.prepare(xidB));
                    ra.prepare(xidA);
                    preparedB.get();
                    created.add(zk.create(parent + "/d-", decision, ZooDefs.Ids.OPEN_ACL_UNSAFE,
                            CreateMode.PERSISTENT_SEQUENTIAL));
                    Future<?> committedB = branches.submit(() -> {
                        rb.commit(xidB, false);
                        return null;
                    });
                    ra.commit(xidA, false);
                    committedB.get();
                });
            }

            @Override
            public void close() throws Exception {
                try {
                    List<Op> deletes = new ArrayList<>();
                    for (String path = created.poll(); path != null; path = created.poll()) {
                        deletes.add(Op.delete(path, -1));
                        if (deletes.size() == 1_000) {
                            zk.multi(deletes);
                            deletes.clear();
                        }
                    }
                    deletes.add(Op.delete(parent, -1));
                    zk.multi(deletes);
                } finally {
                    branches.shutdownNow();
                    client.close();
                    a.close();
                    b.close();
                }
            }
        };
    }

    /** What a floor does between its two branches' {@code end} and the return of its transfer. */
    @FunctionalInterface
    private interface Phases {
        void run(XAResource ra, Xid xidA, XAResource rb, Xid xidB) throws Exception;
    }

    /**
     * One transfer by hand: connections from {@code a} and {@code b}, both branches started, worked
     * and ended under fresh floor Xids, then {@code phases}; the connections go back to their pools,
     * as broken unless {@code phases} returned.
     */
    private static void byHand(XaPool a, XaPool b, byte[] prefix, AtomicLong sequence, XaBank.Transfer transfer,
            Phases phases) throws Exception {
        byte[] global = concat(prefix, Long.toString(sequence.incrementAndGet()).getBytes(StandardCharsets.US_ASCII));
        Xid xidA = new FloorXid(global, new byte[] {'a'});
        Xid xidB = new FloorXid(global, new byte[] {'b'});
        XAConnection ca = a.borrow();
        XAConnection cb = null;
        boolean healthy = false;
        try {
            cb = b.borrow();
            XAResource ra = ca.getXAResource();
            XAResource rb = cb.getXAResource();
            ra.start(xidA, XAResource.TMNOFLAGS);
            rb.start(xidB, XAResource.TMNOFLAGS);
            require(XaBank.apply(ca.getConnection(), transfer.id(), transfer.from(), -transfer.amount()));
            require(XaBank.apply(cb.getConnection(), transfer.id(), transfer.to(), transfer.amount()));
            ra.end(xidA, XAResource.TMSUCCESS);
            rb.end(xidB, XAResource.TMSUCCESS);
            phases.run(ra, xidA, rb, xidB);
            healthy = true;
        } finally {
            a.giveBack(ca, healthy);
            if (cb != null) {
                b.giveBack(cb, healthy);
            }
        }
    }

    /**
     * Atomikos TransactionsEssentials through its own pooling {@link AtomikosDataSourceBean}s (of
     * {@code poolSize} connections each), with its default durable file log in a directory of its
     * own (deleted on close) and otherwise its default settings.
     */
    static TransferEngine atomikos(XaBank bank, PrepareCheck check, int poolSize, Path logDir) throws Exception {
        ATOMIKOS_LOG.setLevel(java.util.logging.Level.WARNING);
        int instance = INSTANCES.incrementAndGet();
        Files.createDirectories(logDir);
        Properties properties = new Properties();
        properties.setProperty("com.atomikos.icatch.log_base_dir", logDir.toString());
        properties.setProperty("com.atomikos.icatch.tm_unique_name", "baton-bench-" + instance);
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            UserTransactionServiceImp service = new UserTransactionServiceImp(properties);
            service.init();
            opened.add(0, () -> service.shutdown(true));
            UserTransactionManager manager = new UserTransactionManager();
            manager.setStartupTransactionService(false);
            manager.init();
            opened.add(0, manager::close);
            AtomikosDataSourceBean a = atomikosSource("bank-a-" + instance, checked(bank, 0, check), poolSize);
            opened.add(0, a::close);
            AtomikosDataSourceBean b = atomikosSource("bank-b-" + instance, checked(bank, 1, check), poolSize);
            opened.add(0, b::close);
            return new TransferEngine() {
                @Override
                public void transfer(XaBank.Transfer transfer) throws Exception {
                    manager.begin();
                    try {
                        try (Connection ca = a.getConnection(); Connection cb = b.getConnection()) {
                            require(XaBank.apply(ca, transfer.id(), transfer.from(), -transfer.amount()));
                            require(XaBank.apply(cb, transfer.id(), transfer.to(), transfer.amount()));
                        }
                    } catch (Exception e) {
                        rollBack(manager, e);
                        throw e;
                    }
                    manager.commit();
                }

                @Override
                public void close() throws Exception {
                    closeAll(opened);
                }
            };
        } catch (Exception e) {
            closeAll(opened);
            throw e;
        }
    }

    private static AtomikosDataSourceBean atomikosSource(String name, CheckedXaDataSource source, int poolSize)
            throws Exception {
        AtomikosDataSourceBean bean = new AtomikosDataSourceBean();
        bean.setUniqueResourceName(name);
        bean.setXaDataSource(source);
        bean.setMinPoolSize(1);
        bean.setMaxPoolSize(poolSize);
        bean.setBorrowConnectionTimeout(30);
        bean.init();
        return bean;
    }

    private static TransactionManager narayana;

    /**
     * Narayana's transaction manager, configured once per JVM (its configuration beans are
     * singletons read at first use): the default object store ({@code ShadowNoFileLockStore},
     * synchronous writes) in {@code storeDir} instead of {@code ./ObjectStore}, a node identifier
     * set, every other setting its default.
     */
    private static synchronized TransactionManager narayana(Path storeDir) throws CoreEnvironmentBeanException {
        if (narayana == null) {
            arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier("baton-bench");
            for (String store : new String[] {null, "communicationStore", "stateStore"}) {
                ObjectStoreEnvironmentBean bean = store == null
                        ? BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class)
                        : BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, store);
                bean.setObjectStoreDir(storeDir.toString());
            }
            narayana = com.arjuna.ats.jta.TransactionManager.transactionManager();
        } else if (!TxControl.isEnabled()) {
            TxControl.enable(); // stopped by an earlier run in this JVM
        }
        return narayana;
    }

    /**
     * Stops Narayana's transaction status manager, if it was started, and with it the
     * {@code Recovery/TransactionStatusManager} entry it keeps in the object store. Its own
     * shutdown hook would otherwise remove that entry at exit, after the benchmark deleted the
     * store, and so leave the store's directories behind in the temporary directory (one per run).
     */
    static synchronized void stopNarayana() {
        if (narayana != null && TxControl.isEnabled()) {
            TxControl.disable(true);
        }
    }

    /** Narayana's store settings as in force, for the report. */
    static String narayanaStore() {
        ObjectStoreEnvironmentBean bean = BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class);
        return bean.getObjectStoreType().replaceAll(".*\\.", "") + ", objectStoreSync=" + bean.isObjectStoreSync()
                + ", transactionSync=" + bean.isTransactionSync();
    }

    /**
     * Narayana (ArjunaCore JTA): the two XAResources are enlisted by hand in a JTA transaction of
     * its {@code TransactionManager} (Narayana has no pool of its own outside an application
     * server, so the connections come from {@link XaPool}s of {@code poolSize}).
     */
    static TransferEngine narayana(XaBank bank, PrepareCheck check, int poolSize, Path storeDir)
            throws CoreEnvironmentBeanException {
        TransactionManager manager = narayana(storeDir);
        XaPool a = new XaPool(checked(bank, 0, check), poolSize);
        XaPool b = new XaPool(checked(bank, 1, check), poolSize);
        return new TransferEngine() {
            @Override
            public void transfer(XaBank.Transfer transfer) throws Exception {
                XAConnection ca = a.borrow();
                XAConnection cb = null;
                boolean healthy = false;
                manager.begin();
                try {
                    cb = b.borrow();
                    Transaction transaction = manager.getTransaction();
                    require(transaction.enlistResource(ca.getXAResource()));
                    require(transaction.enlistResource(cb.getXAResource()));
                    require(XaBank.apply(ca.getConnection(), transfer.id(), transfer.from(), -transfer.amount()));
                    require(XaBank.apply(cb.getConnection(), transfer.id(), transfer.to(), transfer.amount()));
                    manager.commit();
                    healthy = true;
                } catch (Exception e) {
                    rollBack(manager, e);
                    throw e;
                } finally {
                    a.giveBack(ca, healthy);
                    if (cb != null) {
                        b.giveBack(cb, healthy);
                    }
                }
            }

            @Override
            public void close() {
                a.close();
                b.close();
            }
        };
    }

    /**
     * Baton's distributed 2PC: a {@link TransactionCoordinator} and two {@link XaParticipant}s,
     * each hosted by a {@link ParticipantHost} of its own in this JVM on a ZooKeeper session of its
     * own, with as many threads as the pool has connections (the default is 4). {@code commit()}
     * returns at the decision; the hosts commit the branches afterwards.
     */
    static TransferEngine baton(XaBank bank, PrepareCheck check, int poolSize, String zooKeeper) throws Exception {
        ZooKeeperLockOptions options = ZooKeeperLockOptions.defaults().withRootPath("/bench-xa-" + INSTANCES.incrementAndGet());
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            for (int server = 0; server < 2; server++) {
                XaPool pool = new XaPool(checked(bank, server, check), poolSize);
                opened.add(0, pool);
                XaParticipant participant = new XaParticipant(pool.asDataSource(), BATON_WORK);
                opened.add(0, participant);
                CuratorFramework session = curator(zooKeeper);
                opened.add(0, session);
                opened.add(0, ParticipantHost.builder(session).options(options).threads(poolSize)
                        .participant(server == 0 ? "bank-a" : "bank-b", participant).start());
            }
            CuratorFramework session = curator(zooKeeper);
            opened.add(0, session);
            TransactionCoordinator coordinator = TransactionCoordinator.builder(session).options(options).start();
            opened.add(0, coordinator);
            String txns = options.rootPath() + "/txn";
            return new TransferEngine() {
                @Override
                public void transfer(XaBank.Transfer transfer) throws Exception {
                    Outcome outcome = coordinator.begin().branch("bank-a", transfer.payload(0))
                            .branch("bank-b", transfer.payload(1)).timeout(Duration.ofSeconds(30)).commit();
                    if (!outcome.isCommitted()) {
                        throw new IllegalStateException("transfer " + transfer.id() + " " + outcome.state() + ": " + outcome.reason());
                    }
                }

                @Override
                public void quiesce() throws Exception {
                    awaitNoChildren(session, txns); // every transaction acknowledged and collected
                }

                @Override
                public void close() throws Exception {
                    closeAll(opened);
                }
            };
        } catch (Exception e) {
            closeAll(opened);
            throw e;
        }
    }

    /**
     * Baton's in-process XA path ({@link XaTransactions}): the two data sources registered as
     * resources, their branches prepared in parallel, the COMMIT decision written to ZooKeeper,
     * both branches committed before {@code commit()} returns, the decision deleted later in a batch.
     * Its own connection pool keeps {@code poolSize} idle connections per resource, and it has
     * {@code poolSize} threads (the default is 16 of each). The resources' names carry an instance
     * number, so that the recovery of one instance never looks at another's branches (two run at
     * once, on the single server and on the ensemble, against the same databases).
     */
    static TransferEngine batonInProcess(XaBank bank, PrepareCheck check, int poolSize, String zooKeeper)
            throws Exception {
        int instance = INSTANCES.incrementAndGet();
        ZooKeeperLockOptions options = ZooKeeperLockOptions.defaults().withRootPath("/bench-xa-" + instance);
        String a = "bank_a-" + instance;
        String b = "bank_b-" + instance;
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            CuratorFramework session = curator(zooKeeper);
            opened.add(0, session);
            XaTransactions xa = XaTransactions.builder(session).options(options)
                    .resource(a, checked(bank, 0, check)).resource(b, checked(bank, 1, check))
                    .poolSize(poolSize).threads(poolSize).defaultTimeout(Duration.ofSeconds(30)).start();
            opened.add(0, xa);
            String decisions = options.rootPath() + "/xa/decisions";
            return new TransferEngine() {
                @Override
                public void transfer(XaBank.Transfer transfer) throws Exception {
                    try (XaTransaction tx = xa.begin()) {
                        require(XaBank.apply(tx.connection(a), transfer.id(), transfer.from(), -transfer.amount()));
                        require(XaBank.apply(tx.connection(b), transfer.id(), transfer.to(), transfer.amount()));
                        Outcome outcome = tx.commit();
                        if (!outcome.isCommitted()) {
                            throw new IllegalStateException("transfer " + transfer.id() + " " + outcome.state() + ": "
                                    + outcome.reason());
                        }
                    }
                }

                @Override
                public void quiesce() throws Exception {
                    awaitNoChildren(session, decisions); // every decision deleted by the janitor
                }

                @Override
                public void close() throws Exception {
                    closeAll(opened);
                }
            };
        } catch (Exception e) {
            closeAll(opened);
            throw e;
        }
    }

    /** Waits up to 10 s, reading every 5 ms, until {@code path} has no children. */
    private static void awaitNoChildren(CuratorFramework session, String path) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!session.getChildren().forPath(path).isEmpty()) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException(path + " still has children after 10 s");
            }
            Thread.sleep(5);
        }
    }

    /** A Baton branch's work: its payload is {@code id:account:delta}. */
    private static final XaWork BATON_WORK = (connection, branch) -> {
        String[] parts = new String(branch.payload(), StandardCharsets.UTF_8).split(":");
        return XaBank.apply(connection, parts[0], Integer.parseInt(parts[1]), Long.parseLong(parts[2]))
                ? Vote.yes() : Vote.no("insufficient funds in account " + parts[1]);
    };

    static CuratorFramework curator(String connect) throws InterruptedException {
        CuratorFramework curator = CuratorFrameworkFactory.newClient(connect, 30_000, 10_000, new RetryOneTime(100));
        curator.start();
        if (!curator.blockUntilConnected(30, TimeUnit.SECONDS)) {
            curator.close();
            throw new IllegalStateException("cannot connect to ZooKeeper at " + connect);
        }
        return curator;
    }

    private static void require(boolean done) {
        if (!done) {
            throw new IllegalStateException("the transfer's work was refused");
        }
    }

    private static void rollBack(TransactionManager manager, Exception cause) {
        try {
            if (manager.getTransaction() != null && manager.getStatus() != Status.STATUS_NO_TRANSACTION) {
                manager.rollback();
            }
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }

    private static void closeAll(List<AutoCloseable> resources) throws Exception {
        Exception first = null;
        for (AutoCloseable resource : resources) {
            try {
                resource.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /** The floor's Xids: format "FLR1", compared by value. */
    private record FloorXid(byte[] global, byte[] branch) implements Xid {
        @Override
        public int getFormatId() {
            return 0x464c5231;
        }

        @Override
        public byte[] getGlobalTransactionId() {
            return global.clone();
        }

        @Override
        public byte[] getBranchQualifier() {
            return branch.clone();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Xid && ((Xid) other).getFormatId() == getFormatId()
                    && Arrays.equals(((Xid) other).getGlobalTransactionId(), global)
                    && Arrays.equals(((Xid) other).getBranchQualifier(), branch);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(global) * 31 + Arrays.hashCode(branch);
        }
    }
}
