package dev.baton.jta;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;
import javax.sql.ConnectionEventListener;
import javax.sql.StatementEventListener;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;

/**
 * A resource's {@code XADataSource} as {@code XaTransactions} sees it: at most {@code size} XA
 * connections open at once (its idle pool keeps at most as many, so idle ones never starve it);
 * opening one more waits up to {@code wait}, then fails. Without this bound, a burst of
 * transactions opens a connection each and runs the database out of them.
 *
 * <p>Thread-safe.
 */
final class BoundedXaDataSource implements XADataSource {

    private final String resource;
    private final XADataSource target;
    private volatile int size;
    private volatile Duration wait = Duration.ZERO;
    private volatile Semaphore permits = new Semaphore(0);

    BoundedXaDataSource(String resource, XADataSource target) {
        this.resource = Objects.requireNonNull(resource, "name");
        this.target = target;
    }

    /** Sets the bound, once, before the first connection is asked for (the builder knows it only at start). */
    void limit(int connections, Duration longest) {
        size = connections;
        wait = longest;
        permits = new Semaphore(connections, true);
    }

    @Override
    public XAConnection getXAConnection() throws SQLException {
        Semaphore bound = permits;
        acquire(bound);
        try {
            return new Counted(target.getXAConnection(), bound);
        } catch (SQLException | RuntimeException e) {
            bound.release();
            throw e;
        }
    }

    @Override
    public XAConnection getXAConnection(String user, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("resource '" + resource + "' connects with its XADataSource's own"
                + " credentials");
    }

    private void acquire(Semaphore bound) throws SQLException {
        try {
            if (!bound.tryAcquire(wait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new SQLTransientConnectionException("no XA connection to resource '" + resource + "' was free"
                        + " within " + wait + ": all " + size + " are in use by transactions");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for an XA connection to resource '" + resource + "'", e);
        }
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

    /** An open XA connection holding one permit, given back once on {@code close()}. */
    private final class Counted implements XAConnection {

        private final XAConnection connection;
        private final Semaphore bound;
        private final AtomicBoolean closed = new AtomicBoolean();

        Counted(XAConnection connection, Semaphore bound) {
            this.connection = connection;
            this.bound = bound;
        }

        @Override
        public XAResource getXAResource() throws SQLException {
            return connection.getXAResource();
        }

        @Override
        public Connection getConnection() throws SQLException {
            return connection.getConnection();
        }

        @Override
        public void close() throws SQLException {
            if (closed.compareAndSet(false, true)) {
                try {
                    connection.close();
                } finally {
                    bound.release();
                }
            }
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
}
