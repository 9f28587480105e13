package dev.baton.bench;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import javax.sql.ConnectionEventListener;
import javax.sql.StatementEventListener;
import javax.sql.XAConnection;
import javax.sql.XADataSource;
import javax.transaction.xa.XAResource;

/**
 * A fixed-size pool of XA connections to one database, opened on demand and kept open: the pool
 * of the contestants that bring none of their own (the floor, Narayana enlisting XAResources,
 * Baton's {@code XaParticipant}), the same size as the pool Atomikos is given.
 *
 * <p>{@link #asDataSource()} lends a connection per {@code getXAConnection()} and takes it back
 * when that connection is closed. Thread-safe.
 */
final class XaPool implements AutoCloseable {

    private final XADataSource source;
    private final Semaphore permits;
    private final Deque<XAConnection> idle = new ConcurrentLinkedDeque<>();

    XaPool(XADataSource source, int size) {
        this.source = source;
        this.permits = new Semaphore(size);
    }

    /**
     * Lends a connection, waiting up to 30 s for one to come back.
     *
     * @throws SQLException if none does, or a new one cannot be opened
     */
    XAConnection borrow() throws SQLException {
        try {
            if (!permits.tryAcquire(30, TimeUnit.SECONDS)) {
                throw new SQLException("no XA connection came back to the pool within 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for an XA connection", e);
        }
        XAConnection connection = idle.poll();
        if (connection == null) {
            try {
                connection = source.getXAConnection();
            } catch (SQLException | RuntimeException e) {
                permits.release();
                throw e;
            }
        }
        return connection;
    }

    /** Takes a connection back; one that failed is closed rather than lent again. */
    void giveBack(XAConnection connection, boolean healthy) {
        if (healthy) {
            idle.push(connection);
        } else {
            closeQuietly(connection);
        }
        permits.release();
    }

    /** The pool as a data source whose connections go back to it when closed. */
    XADataSource asDataSource() {
        return new PooledSource();
    }

    /** Closes the idle connections. */
    @Override
    public void close() {
        for (XAConnection connection = idle.poll(); connection != null; connection = idle.poll()) {
            closeQuietly(connection);
        }
    }

    private static void closeQuietly(XAConnection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            // a broken connection: nothing to do with it
        }
    }

    private final class PooledSource implements XADataSource {
        @Override
        public XAConnection getXAConnection() throws SQLException {
            return new Lent(borrow());
        }

        @Override
        public XAConnection getXAConnection(String user, String password) throws SQLException {
            throw new SQLFeatureNotSupportedException("the pool's connections have one user");
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }
    }

    /** A lent connection: closing it gives it back, once. */
    private final class Lent implements XAConnection {
        private final XAConnection connection;
        private boolean returned;

        Lent(XAConnection connection) {
            this.connection = connection;
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
        public synchronized void close() {
            if (!returned) {
                returned = true;
                giveBack(connection, true);
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
