package dev.baton.jta;

import dev.baton.lock.testkit.ForwardingXaResource;
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
import org.postgresql.xa.PGXADataSource;

/**
 * PostgreSQL's XA data source whose XA resources answer {@code isSameRM} by comparing databases,
 * as MySQL's and Oracle's drivers compare servers (pgjdbc's recognises only the same object), and
 * tell a hook of each two-phase step ({@code "prepare"}, {@code "commit"}, {@code "rollback"})
 * before doing it. Everything else is pgjdbc on a real server.
 */
final class SameServerXaDataSource implements XADataSource {

    private final PGXADataSource target;
    private final String database;
    private volatile Hook hook = (step, xid) -> { };

    /** What a test does at a two-phase step; it may answer for the resource by throwing. */
    interface Hook {
        void reached(String step, Xid xid) throws XAException;
    }

    SameServerXaDataSource(int port, String database) {
        this.target = Bank.dataSource(port, database);
        this.database = database;
    }

    /** Called with the step and the branch's Xid before each prepare, commit and rollback. */
    void hook(Hook value) {
        hook = value;
    }

    @Override
    public XAConnection getXAConnection() throws SQLException {
        XAConnection connection = target.getXAConnection();
        Resource resource = new Resource(connection.getXAResource());
        return new XAConnection() {
            @Override
            public XAResource getXAResource() {
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
        };
    }

    @Override
    public XAConnection getXAConnection(String user, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    private final class Resource extends ForwardingXaResource {

        Resource(XAResource delegate) {
            super(delegate);
        }

        private String database() {
            return database;
        }

        @Override
        public boolean isSameRM(XAResource other) {
            return other instanceof Resource && ((Resource) other).database().equals(database);
        }

        @Override
        public int prepare(Xid xid) throws XAException {
            hook.reached("prepare", xid);
            return delegate.prepare(xid);
        }

        @Override
        public void commit(Xid xid, boolean onePhase) throws XAException {
            hook.reached("commit", xid);
            delegate.commit(xid, onePhase);
        }

        @Override
        public void rollback(Xid xid) throws XAException {
            hook.reached("rollback", xid);
            delegate.rollback(xid);
        }

        @Override
        public String toString() {
            return "XAResource of " + database;
        }
    }
}
