package dev.baton.bench;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.ConnectionEventListener;
import javax.sql.StatementEventListener;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A thin delegating {@link XADataSource}, the same for every contestant of the XA transfer group:
 * it counts the physical connections opened, its XAResources count the protocol's calls into an
 * {@link XaCounts} and, before each
 * second-phase {@code commit(xid, false)}, let a {@link PrepareCheck} look the transaction's
 * branches up in {@code pg_prepared_xacts} (for a sample of transactions).
 *
 * <p>Thread-safe.
 */
final class CheckedXaDataSource implements XADataSource {

    private final XADataSource delegate;
    private final PrepareCheck check;
    private final XaCounts counts;

    /**
     * @param delegate the driver's data source ({@code PGXADataSource})
     * @param check where the counts go and what looks branches up before a commit
     */
    CheckedXaDataSource(XADataSource delegate, PrepareCheck check) {
        this.delegate = delegate;
        this.check = check;
        this.counts = check.counts();
    }

    @Override
    public XAConnection getXAConnection() throws SQLException {
        XAConnection opened = delegate.getXAConnection();
        counts.connectionsOpened.incrementAndGet();
        return new CheckedConnection(opened);
    }

    @Override
    public XAConnection getXAConnection(String user, String password) throws SQLException {
        XAConnection opened = delegate.getXAConnection(user, password);
        counts.connectionsOpened.incrementAndGet();
        return new CheckedConnection(opened);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return delegate.getParentLogger();
    }

    private final class CheckedConnection implements XAConnection {
        private final XAConnection connection;
        private CheckedResource resource;

        CheckedConnection(XAConnection connection) {
            this.connection = connection;
        }

        @Override
        public synchronized XAResource getXAResource() throws SQLException {
            if (resource == null) {
                resource = new CheckedResource(connection.getXAResource());
            }
            return resource;
        }

        @Override
        public Connection getConnection() throws SQLException {
            return connection.getConnection();
        }

        @Override
        public void close() throws SQLException {
            connection.close();
        }

        @Override
        public void addConnectionEventListener(ConnectionEventListener listener) {
            connection.addConnectionEventListener(listener);
        }

        @Override
        public void removeConnectionEventListener(ConnectionEventListener listener) {
            connection.removeConnectionEventListener(listener);
        }

        @Override
        public void addStatementEventListener(StatementEventListener listener) {
            connection.addStatementEventListener(listener);
        }

        @Override
        public void removeStatementEventListener(StatementEventListener listener) {
            connection.removeStatementEventListener(listener);
        }
    }

    private final class CheckedResource implements XAResource {
        private final XAResource resource;

        CheckedResource(XAResource resource) {
            this.resource = resource;
        }

        @Override
        public void start(Xid xid, int flags) throws XAException {
            counts.starts.incrementAndGet();
            resource.start(xid, flags);
        }

        @Override
        public void end(Xid xid, int flags) throws XAException {
            resource.end(xid, flags);
        }

        @Override
        public int prepare(Xid xid) throws XAException {
            int vote = resource.prepare(xid);
            counts.prepares.incrementAndGet();
            if (vote == XA_RDONLY) {
                counts.readOnlyPrepares.incrementAndGet();
            }
            return vote;
        }

        @Override
        public void commit(Xid xid, boolean onePhase) throws XAException {
            if (!onePhase) {
                check.beforeCommit(xid);
            }
            resource.commit(xid, onePhase);
            counts.committed(onePhase);
        }

        @Override
        public void rollback(Xid xid) throws XAException {
            resource.rollback(xid);
            counts.rollbacks.incrementAndGet();
        }

        @Override
        public void forget(Xid xid) throws XAException {
            resource.forget(xid);
        }

        @Override
        public Xid[] recover(int flag) throws XAException {
            return resource.recover(flag);
        }

        @Override
        public boolean isSameRM(XAResource other) throws XAException {
            return resource.isSameRM(other instanceof CheckedResource ? ((CheckedResource) other).resource : other);
        }

        @Override
        public int getTransactionTimeout() throws XAException {
            return resource.getTransactionTimeout();
        }

        @Override
        public boolean setTransactionTimeout(int seconds) throws XAException {
            return resource.setTransactionTimeout(seconds);
        }
    }
}
